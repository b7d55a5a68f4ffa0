using System.Text.RegularExpressions;

namespace Wasmcell.Testing;

/// <summary>Mount points from /proc/self/mountinfo (octal escapes such as \040 decoded).</summary>
public static partial class HostMounts
{
    public static IReadOnlyList<string> Under(string dir)
    {
        var prefix = dir.TrimEnd('/') + "/";
        return File.ReadLines("/proc/self/mountinfo")
            .Select(l => Decode(l.Split(' ')[4]))
            .Where(m => m.StartsWith(prefix, StringComparison.Ordinal) || m == dir)
            .ToList();
    }

    private static string Decode(string field) =>
        Octal().Replace(field, m => ((char)Convert.ToInt32(m.Value[1..], 8)).ToString());

    [GeneratedRegex(@"\\[0-7]{3}")]
    private static partial Regex Octal();
}
