namespace Wasmcell.Cgroups;

/// <summary>Entry point: detect the host's cgroup layout and open a container's cgroup.</summary>
public static class Cgroups
{
    public const string DefaultRoot = "/sys/fs/cgroup";

    /// <summary>
    /// V2 when the root itself is a cgroup2 mount (it then has cgroup.controllers). A hybrid host mounts a
    /// tmpfs at the root with per-controller v1 mounts under it, and counts as V1.
    /// </summary>
    public static CgroupMode DetectMode(string root = DefaultRoot) =>
        File.Exists(System.IO.Path.Combine(root, "cgroup.controllers")) ? CgroupMode.V2 : CgroupMode.V1;

    /// <summary>
    /// Creates (mkdir -p; an existing cgroup is reused) the cgroup for a cgroupfs-driver path such as
    /// "/k8s.io/&lt;id&gt;". The systemd form "slice:prefix:name" throws <see cref="NotSupportedException"/>.
    /// </summary>
    public static ICgroup Create(string cgroupsPath, string root = DefaultRoot)
    {
        var path = CgroupPath.Parse(cgroupsPath);
        root = root.TrimEnd('/');
        return DetectMode(root) == CgroupMode.V2
            ? CgroupV2.Create(root, path)
            : CgroupV1.Create(V1Hierarchies.Discover(root), path);
    }

    /// <summary>
    /// Opens an existing cgroup without creating anything, or returns null when it does not exist. Meant for
    /// cgroups someone else manages (runc's native containers), where only Stats/Pids are wanted and
    /// <see cref="Create"/> would resurrect a cgroup runc already removed.
    /// </summary>
    public static ICgroup? Open(string cgroupsPath, string root = DefaultRoot)
    {
        var path = CgroupPath.Parse(cgroupsPath);
        root = root.TrimEnd('/');
        return DetectMode(root) == CgroupMode.V2
            ? CgroupV2.Open(root, path)
            : CgroupV1.Open(V1Hierarchies.Discover(root), path);
    }
}
