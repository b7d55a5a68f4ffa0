using System.Security.Cryptography;

namespace Wasmcell.Oci.Images;

/// <summary>sha256 content digests in the OCI form <c>sha256:&lt;64 hex&gt;</c>.</summary>
public static class Digests
{
    public const string Sha256Prefix = "sha256:";

    public static string Of(ReadOnlySpan<byte> content) => Sha256Prefix + Convert.ToHexStringLower(SHA256.HashData(content));

    public static string OfStream(Stream stream) => Sha256Prefix + Convert.ToHexStringLower(SHA256.HashData(stream));

    public static string OfFile(string path)
    {
        using var stream = File.OpenRead(path);
        return OfStream(stream);
    }

    /// <summary>The hex part; throws for anything but a well-formed sha256 digest, so a digest
    /// read from a registry or a manifest can never become a path like <c>../../x</c>.</summary>
    public static string Hex(string digest)
    {
        if (!IsValid(digest))
        {
            throw new FormatException($"not a sha256 digest: '{digest}'");
        }

        return digest[Sha256Prefix.Length..];
    }

    public static bool IsValid(string? digest) =>
        digest is { Length: 71 } && digest.StartsWith(Sha256Prefix, StringComparison.Ordinal)
        && digest.AsSpan(Sha256Prefix.Length).ContainsAnyExcept("0123456789abcdef") is false;
}
