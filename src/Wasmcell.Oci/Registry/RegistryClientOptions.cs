namespace Wasmcell.Oci.Registry;

public sealed class RegistryClientOptions
{
    /// <summary>Speak plain HTTP. Never a silent fallback: only when the user asked (<c>--insecure</c>).</summary>
    public bool Insecure { get; init; }

    /// <summary>Credentials to answer Basic challenges and to fetch Bearer tokens with; null = anonymous.</summary>
    public RegistryCredentials? Credentials { get; init; }

    /// <summary>Blobs larger than this go up in PATCH chunks of this size; smaller ones in one PUT.</summary>
    public int ChunkSize { get; init; } = 8 * 1024 * 1024;

    public IProgress<TransferProgress>? Progress { get; init; }

    /// <summary>For tests: a custom handler (e.g. to count requests).</summary>
    public HttpMessageHandler? Handler { get; init; }
}
