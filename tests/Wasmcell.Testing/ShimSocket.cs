using System.Security.Cryptography;
using System.Text;

namespace Wasmcell.Testing;

/// <summary>
/// Where a shim listens (SPEC §2.3): /run/containerd/s/hex(sha256("&lt;address&gt;/&lt;ns&gt;/&lt;group&gt;")), the
/// directory hard-coded by containerd 1.6 whatever --state says. The group is the container id unless the
/// spec carries io.kubernetes.cri.sandbox-id.
/// </summary>
public static class ShimSocket
{
    public const string Dir = "/run/containerd/s";

    public static string PathFor(string address, string ns, string group) =>
        Path.Combine(Dir, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{address}/{ns}/{group}"))));

    /// <summary>
    /// Socket paths the shims of a private containerd (state under <paramref name="dir"/>/state) may have
    /// created: one per bundle id, plus the address each bundle recorded (a grouped container's socket is
    /// named after its group).
    /// </summary>
    public static IEnumerable<string> OfBundles(string dir, string address)
    {
        var tasks = Path.Combine(dir, "state", "io.containerd.runtime.v2.task");
        if (!Directory.Exists(tasks))
        {
            yield break;
        }

        foreach (var nsDir in Directory.EnumerateDirectories(tasks))
        {
            foreach (var bundle in Directory.EnumerateDirectories(nsDir))
            {
                yield return PathFor(address, Path.GetFileName(nsDir), Path.GetFileName(bundle));
                var addressFile = Path.Combine(bundle, "address");
                if (File.Exists(addressFile))
                {
                    var recorded = File.ReadAllText(addressFile).Trim();
                    if (recorded.StartsWith("unix://", StringComparison.Ordinal))
                    {
                        yield return recorded["unix://".Length..];
                    }
                }
            }
        }
    }

    /// <summary>True when some process still holds a socket bound to the path.</summary>
    public static bool HasListener(string path) => HostProcesses.ListenersOn(path).Count > 0;
}
