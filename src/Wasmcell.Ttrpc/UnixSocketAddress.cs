namespace Wasmcell.Ttrpc;

/// <summary>containerd writes socket addresses as <c>unix:///run/…</c> or as a bare path.</summary>
internal static class UnixSocketAddress
{
    private const string Scheme = "unix://";

    public static string ToPath(string address)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        string path = address.StartsWith(Scheme, StringComparison.Ordinal) ? address[Scheme.Length..] : address;
        return path.Length == 0 ? throw new ArgumentException($"ttrpc: no socket path in \"{address}\"", nameof(address)) : path;
    }
}
