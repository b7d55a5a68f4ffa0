namespace Wasmcell.Cgroups;

/// <summary>
/// Moving the calling thread itself: "0" written to a v1 `tasks` file means "the writer's thread", and that
/// one move is the only kind the kernel makes without its global cgroup_threadgroup_rwsem (whose first
/// writer after a quiet spell waits out an RCU grace period: 5-15 ms here, 15-30 ms while the target
/// process creates threads, and every fork and thread exit on the host waits with it).
/// </summary>
public static class ThreadCgroups
{
    public const string Self = "0";

    /// <summary>The calling thread's cgroup path in each v1 hierarchy, keyed by its controller list ("cpu,cpuacct", "name=systemd").</summary>
    public static Dictionary<string, string> OfCurrentThread()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines("/proc/thread-self/cgroup"))
        {
            var parts = line.Split(':', 3);
            if (parts.Length == 3 && parts[1].Length > 0)
            {
                result[parts[1]] = parts[2];
            }
        }
        return result;
    }

    /// <summary>The path recorded for <paramref name="hierarchy"/> (matched by any controller it carries), or null.</summary>
    public static string? PathIn(Dictionary<string, string> paths, V1Hierarchy hierarchy)
    {
        foreach (var (controllers, path) in paths)
        {
            if (controllers.Split(',').Any(hierarchy.Controllers.Contains))
            {
                return path;
            }
        }
        return null;
    }
}
