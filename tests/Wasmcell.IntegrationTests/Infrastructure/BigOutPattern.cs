using System.Text;

namespace Wasmcell.IntegrationTests.Infrastructure;

/// <summary>The exact bytes bigout.wasm writes: 64-byte lines, a 16-digit line number, 47 letters, '\n'.</summary>
internal static class BigOutPattern
{
    public const int LineBytes = 64;

    public static byte[] Expected(int mib)
    {
        var lines = mib * 1024 * 1024 / LineBytes;
        var buf = new byte[lines * LineBytes];
        for (var line = 0; line < lines; line++)
        {
            var off = line * LineBytes;
            Encoding.ASCII.GetBytes(line.ToString("D16", System.Globalization.CultureInfo.InvariantCulture), buf.AsSpan(off, 16));
            for (var j = 16; j < LineBytes - 1; j++)
            {
                buf[off + j] = (byte)('a' + (line + j) % 26);
            }

            buf[off + LineBytes - 1] = (byte)'\n';
        }
        return buf;
    }

    /// <summary>Null when <paramref name="actual"/> is exactly the pattern; otherwise where and how it differs.</summary>
    public static string? Mismatch(byte[] actual, int mib)
    {
        var expected = Expected(mib);
        var n = Math.Min(actual.Length, expected.Length);
        for (var i = 0; i < n; i++)
        {
            if (actual[i] != expected[i])
            {
                var line = i / LineBytes;
                var got = Encoding.ASCII.GetString(actual, line * LineBytes, Math.Min(LineBytes, actual.Length - line * LineBytes));
                return $"first difference at byte {i} (line {line}): got '{got.TrimEnd('\n')}'";
            }
        }
        return actual.Length == expected.Length ? null : $"got {actual.Length} bytes, expected {expected.Length}";
    }
}
