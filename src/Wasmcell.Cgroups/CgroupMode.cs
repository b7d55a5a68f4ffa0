namespace Wasmcell.Cgroups;

public enum CgroupMode
{
    /// <summary>cgroup v1, including hybrid (v1 controllers plus a controller-less v2 mount at /sys/fs/cgroup/unified).</summary>
    V1,

    /// <summary>cgroup v2 unified hierarchy mounted at the root.</summary>
    V2,
}
