using System.Text;
using System.Text.Json;

namespace Wasmcell.Oci.Registry;

/// <summary>
/// Credentials from a docker <c>config.json</c> (<c>$DOCKER_CONFIG/config.json</c> or
/// <c>~/.docker/config.json</c>), the file <c>docker login</c> writes. Only inline <c>auths</c>
/// entries are read; credential helpers (<c>credsStore</c>/<c>credHelpers</c>) are not run.
/// </summary>
public sealed class DockerCredentialStore
{
    private readonly Dictionary<string, DockerAuthEntry> _auths;

    private DockerCredentialStore(Dictionary<string, DockerAuthEntry> auths) => _auths = auths;

    public static string DefaultPath
    {
        get
        {
            var dir = Environment.GetEnvironmentVariable("DOCKER_CONFIG");
            if (string.IsNullOrEmpty(dir))
            {
                dir = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker");
            }

            return Path.Combine(dir, "config.json");
        }
    }

    /// <summary>Loads <paramref name="path"/> (default <see cref="DefaultPath"/>); a missing file means no credentials.</summary>
    public static DockerCredentialStore Load(string? path = null)
    {
        path ??= DefaultPath;
        if (!File.Exists(path))
        {
            return new DockerCredentialStore([]);
        }

        var file = JsonSerializer.Deserialize(File.ReadAllBytes(path), RegistryJsonContext.Default.DockerConfigFile);
        return new DockerCredentialStore(file?.Auths ?? []);
    }

    /// <summary>The credentials for <paramref name="registry"/> (host[:port]), or null.</summary>
    public RegistryCredentials? Find(string registry)
    {
        string[] keys = registry == ImageReference.DockerHub
            ? ["https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io"]
            : [registry, "https://" + registry, "http://" + registry, "https://" + registry + "/v1/", "https://" + registry + "/v2/"];
        foreach (var key in keys)
        {
            if (_auths.TryGetValue(key, out var entry) && ToCredentials(entry) is { } credentials)
            {
                return credentials;
            }
        }

        return null;
    }

    private static RegistryCredentials? ToCredentials(DockerAuthEntry entry)
    {
        if (!string.IsNullOrEmpty(entry.Auth))
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(entry.Auth));
            var colon = decoded.IndexOf(':');
            if (colon > 0)
            {
                return new RegistryCredentials(decoded[..colon], decoded[(colon + 1)..]);
            }
        }

        return entry.Username is { Length: > 0 } user && entry.Password is { } password
            ? new RegistryCredentials(user, password)
            : null;
    }
}
