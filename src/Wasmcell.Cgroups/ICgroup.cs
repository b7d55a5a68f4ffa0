using Wasmcell.Oci.RuntimeSpec;

namespace Wasmcell.Cgroups;

/// <summary>One container's cgroup (all v1 hierarchies, or one v2 directory), made from <c>linux.cgroupsPath</c>.</summary>
public interface ICgroup
{
    /// <summary>The cgroupsPath it was made from.</summary>
    string Path { get; }

    /// <summary>Moves a process (and its threads) in: cgroup.procs of every v1 hierarchy, or the v2 directory.</summary>
    void AddProcess(int pid);

    /// <summary>
    /// v1: moves the calling thread (not its process) into every hierarchy of this cgroup but memory's, so
    /// a process it spawns is born there and never migrates; disposing moves the thread back. A thread
    /// moving itself is the one move the kernel makes without its global cgroup lock (see
    /// <see cref="ThreadCgroups"/>). The child joins memory itself once its own start-up (not the
    /// container's business) is done, by writing "0" to <see cref="MemoryTasksFile"/>.
    /// Until it is back the caller must start no thread and queue no thread-pool work (which may start a
    /// pool thread on it): a thread started inside would stay there. A short synchronous step such as a
    /// posix_spawn on a pool thread is fine. Null when the cgroup cannot do this (v2: a thread cannot leave its
    /// process's cgroup); the caller then moves the process in with <see cref="AddProcess"/>.
    /// </summary>
    IDisposable? TryEnterWithCurrentThread();

    /// <summary>v1: the memory hierarchy's `tasks` file of this cgroup, or null (no memory hierarchy, or v2).</summary>
    string? MemoryTasksFile { get; }

    /// <summary>
    /// Applies memory limit (+ swap, reservation), cpu shares/quota/period/cpuset and pids.max. Fields left
    /// null keep their current value, so this serves both Create and the Update RPC.
    /// </summary>
    void Apply(LinuxResources resources);

    /// <summary>
    /// Applies <c>linux.resources.devices</c>, in order, once at create, before the container's own code runs
    /// (the kernel checks them at open, so fds opened before stay usable). <see cref="Apply"/> leaves device
    /// rules alone: `runc update` never changes them either, and on v1 rewriting a list that starts with
    /// "deny a" would deny a running container every device for a moment. Returns false when this cgroup
    /// cannot hold device rules (v2 needs a BPF device program, which is not attached): the caller then has to
    /// keep devices out of reach another way (a cell's root binds only the devices the rules allow).
    /// </summary>
    bool ApplyDevices(IReadOnlyList<LinuxDeviceCgroup> rules);

    /// <summary>The effective memory limit (the smallest along the path to the root), or null when unlimited.</summary>
    ulong? MemoryLimitBytes { get; }

    /// <summary>
    /// The counters the Stats RPC reports: a <see cref="CgroupV1Stats"/> or a <see cref="CgroupV2Stats"/>, each
    /// part null when its controller is missing.
    /// </summary>
    CgroupStats Stats();

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
