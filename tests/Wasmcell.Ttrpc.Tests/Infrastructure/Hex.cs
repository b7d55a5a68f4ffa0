using System.Text;

namespace Wasmcell.Ttrpc.Tests.Infrastructure;

/// <summary>Builds byte arrays the way the SPEC writes them: hex groups and quoted ASCII.</summary>
internal static class Hex
{
    /// <summary>Parses "0a 17" style hex, ignoring whitespace.</summary>
    public static byte[] Parse(string hex) => Convert.FromHexString(string.Concat(hex.Where(c => !char.IsWhiteSpace(c))));

    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    public static string Format(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
}
