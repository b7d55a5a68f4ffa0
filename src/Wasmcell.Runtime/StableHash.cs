using System.Text;

namespace Wasmcell.Runtime;

/// <summary>
/// FNV-1a, 64 bit: a stable name for non-adversarial inputs (engine settings, versions). Used where a
/// SHA-256 would make every cell start load OpenSSL (libssl + libcrypto, milliseconds) just to name files.
/// </summary>
internal static class StableHash
{
    public static string Hex64(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }
        return hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
    }
}
