namespace Wasmcell.Cgroups;

/// <summary>
/// The v1 hierarchies mounted under a root, read from /proc/self/mountinfo: each mount point with the
/// controllers it carries (co-mounts like "cpu,cpuacct" are one hierarchy) or its "name=" (name=systemd).
/// The controller-less v2 mount of a hybrid host (…/unified) is not a v1 hierarchy and is left alone.
/// </summary>
public sealed class V1Hierarchies
{
    // The v1 controllers (Documentation/admin-guide/cgroup-v1); superopts also carry mount options
    // (rw, clone_children, xattr, release_agent=…), which are not hierarchies of their own.
    private static readonly HashSet<string> KnownControllers = new(StringComparer.Ordinal)
    {
        "cpuset", "cpu", "cpuacct", "blkio", "memory", "devices", "freezer", "net_cls", "net_prio",
        "perf_event", "hugetlb", "pids", "rdma", "misc", "debug",
    };

    private V1Hierarchies(IReadOnlyList<V1Hierarchy> all) => All = all;

    public IReadOnlyList<V1Hierarchy> All { get; }

    /// <summary>The mount point carrying <paramref name="controller"/>, or null when it is not mounted.</summary>
    public string? MountOf(string controller) =>
        All.FirstOrDefault(h => h.Controllers.Contains(controller))?.MountPoint;

    public static V1Hierarchies Discover(string root) => Parse(File.ReadAllText("/proc/self/mountinfo"), root);

    /// <summary>Parses mountinfo text (proc(5)): "id parent maj:min root mountpoint opts [optional...] - fstype source superopts".</summary>
    public static V1Hierarchies Parse(string mountinfo, string root)
    {
        var prefix = root.TrimEnd('/') + "/";
        var seenDevices = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<V1Hierarchy>();
        foreach (var line in mountinfo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            var dash = Array.IndexOf(fields, "-");
            if (dash < 6 || fields.Length < dash + 4 || fields[dash + 1] != "cgroup")
            {
                continue;
            }

            var mountPoint = Unescape(fields[4]);
            if (!mountPoint.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }
            // The same hierarchy can be mounted twice (bind mounts); one entry per superblock.
            if (!seenDevices.Add(fields[2]))
            {
                continue;
            }

            var controllers = fields[dash + 3].Split(',')
                .Where(o => KnownControllers.Contains(o) || o.StartsWith("name=", StringComparison.Ordinal))
                .ToArray();
            if (controllers.Length > 0)
            {
                result.Add(new V1Hierarchy(mountPoint, controllers));
            }
        }
        return new V1Hierarchies(result);
    }

    // mountinfo escapes space, tab, newline and backslash as \ooo.
    private static string Unescape(string field)
    {
        if (!field.Contains('\\'))
        {
            return field;
        }

        var sb = new System.Text.StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && IsOctal(field[i + 1]) && IsOctal(field[i + 2]) && IsOctal(field[i + 3]))
            {
                var oct = field.Substring(i + 1, 3);
                sb.Append((char)Convert.ToInt32(oct, 8));
                i += 3;
            }
            else
            {
                sb.Append(field[i]);
            }
        }
        return sb.ToString();
    }

    private static bool IsOctal(char c) => c is >= '0' and <= '7';
}

/// <summary>One mounted v1 hierarchy: its mount point and the controllers (or "name=…") it carries.</summary>
public sealed record V1Hierarchy(string MountPoint, IReadOnlyList<string> Controllers);
