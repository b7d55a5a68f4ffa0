using Google.Protobuf.WellKnownTypes;
using Wasmcell.Oci.RuntimeSpec;

namespace Wasmcell.Shim.Cgroups;

/// <summary>One container's cgroup (all v1 hierarchies, or one v2 directory), made from <c>linux.cgroupsPath</c>.</summary>
public interface ICgroup
{
    /// <summary>The cgroupsPath it was made from.</summary>
    string Path { get; }

    /// <summary>Moves a process (and its threads) in: cgroup.procs of every v1 hierarchy, or the v2 directory.</summary>
    void AddProcess(int pid);

    /// <summary>Moves a process in, or one step of a two-step move (see <see cref="CgroupJoinStep"/>).</summary>
    void AddProcess(int pid, CgroupJoinStep step);

    /// <summary>
    /// Applies memory limit (+ swap, reservation), cpu shares/quota/period/cpuset and pids.max. Fields left
    /// null keep their current value, so this serves both Create and the Update RPC.
    /// </summary>
    void Apply(LinuxResources resources);

    /// <summary>The effective memory limit (the smallest along the path to the root), or null when unlimited.</summary>
    ulong? MemoryLimitBytes { get; }

    /// <summary>
    /// Metrics as containerd expects them from the Stats RPC: type URL "io.containerd.cgroups.v1.Metrics" or
    /// "io.containerd.cgroups.v2.Metrics" (bare, no "type.googleapis.com/").
    /// </summary>
    Any Stats();

    /// <summary>Freezes every process and returns once the kernel reports the cgroup frozen.</summary>
    void Freeze();

    /// <summary>Thaws and returns once the kernel reports the cgroup thawed.</summary>
    void Thaw();

    IReadOnlyList<int> Pids();

    /// <summary>Sends <paramref name="signal"/> to every process in the cgroup (processes already gone are ignored).</summary>
    void KillAll(int signal);

    /// <summary>Calls <paramref name="onOom"/> (on a background thread) each time the memory controller reports an OOM.</summary>
    IDisposable WatchOom(Action onOom);

    /// <summary>The kernel OOM-killed a process of this cgroup.</summary>
    bool OomKilled { get; }

    /// <summary>Removes the cgroup everywhere (retrying EBUSY briefly) and the parents this object created, if unused.</summary>
    void Delete();
}

/// <summary>
/// Which part of a move into a cgroup. A cell joins in two steps: every v1 hierarchy but memory's while
/// it starts (the first cgroup.procs write after a quiet spell waits out an RCU grace period, 5-15 ms
/// here, which then overlaps the start), then memory once it is ready, so its own start-up is not
/// charged to the container's memory limit. On v2 one directory holds every controller:
/// <see cref="AllButMemory"/> does nothing and <see cref="Memory"/> moves the process.
/// </summary>
public enum CgroupJoinStep
{
    Everything,
    AllButMemory,
    Memory,
}
