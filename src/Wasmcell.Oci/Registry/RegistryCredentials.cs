namespace Wasmcell.Oci.Registry;

/// <summary>A user name and password (or token) for one registry.</summary>
public sealed record RegistryCredentials(string Username, string Password)
{
    public string ToBasicParameter() =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Username + ":" + Password));

    public override string ToString() => $"RegistryCredentials {{ Username = {Username} }}"; // never print the secret
}
