using System.Text.RegularExpressions;

namespace Wasmcell.Cli.Node;

/// <summary>
/// The version in <c>containerd --version</c> output, e.g.
/// <c>containerd github.com/containerd/containerd v1.7.13 7c3aca7</c> (upstream) or
/// <c>containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3</c> (Debian).
/// </summary>
internal static partial class ContainerdVersion
{
    /// <summary>The oldest containerd the shim protocol and CRI handler setup are written for.</summary>
    public static readonly Version Minimum = new(1, 6);

    public static Version? Parse(string output)
    {
        foreach (var token in output.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            var match = VersionToken().Match(token);
            if (match.Success)
            {
                return new Version(int.Parse(match.Groups[1].Value), int.Parse(match.Groups[2].Value), int.Parse(match.Groups[3].Value));
            }
        }
        return null;
    }

    [GeneratedRegex(@"^v?(\d+)\.(\d+)\.(\d+)")]
    private static partial Regex VersionToken();
}
