using System.Text;

namespace Wasmcell.Shim;

/// <summary>The per-group socket address containerd expects (SPEC §2.3).</summary>
public static class ShimSocket
{
    public const string SocketDir = "/run/containerd/s";
    public const string GroupAnnotation = "io.kubernetes.cri.sandbox-id";
    public const string RuncGroupAnnotation = "io.containerd.runc.v2.group";

    public static string GroupOf(string id, IReadOnlyDictionary<string, string>? annotations)
    {
        if (annotations is not null)
        {
            if (annotations.TryGetValue(RuncGroupAnnotation, out var g) && g.Length > 0)
            {
                return g;
            }
            if (annotations.TryGetValue(GroupAnnotation, out var s) && s.Length > 0)
            {
                return s;
            }
        }
        return id;
    }

    /// <summary>unix:///run/containerd/s/sha256(Clean(address/namespace/group)).</summary>
    public static string Address(string grpcAddress, string ns, string group)
    {
        var joined = CleanPath(grpcAddress + "/" + ns + "/" + group);
        var hex = Convert.ToHexStringLower(Sha256.HashData(Encoding.UTF8.GetBytes(joined)));
        return "unix://" + SocketDir + "/" + hex;
    }

    public static string PathOf(string address) =>
        address.StartsWith("unix://", StringComparison.Ordinal) ? address["unix://".Length..] : address;

    /// <summary>Go's filepath.Clean: collapse separators, resolve `.` and `..`, no trailing slash.</summary>
    public static string CleanPath(string path)
    {
        if (path.Length == 0)
        {
            return ".";
        }
        var rooted = path[0] == '/';
        var parts = new List<string>();
        foreach (var p in path.Split('/'))
        {
            if (p.Length == 0 || p == ".")
            {
                continue;
            }
            if (p == "..")
            {
                if (parts.Count > 0 && parts[^1] != "..")
                {
                    parts.RemoveAt(parts.Count - 1);
                }
                else if (!rooted)
                {
                    parts.Add("..");
                }
                continue;
            }
            parts.Add(p);
        }
        var s = string.Join('/', parts);
        return rooted ? "/" + s : (s.Length == 0 ? "." : s);
    }
}
