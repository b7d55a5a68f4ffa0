using Wasmcell.Linux;

namespace Wasmcell.Cgroups;

/// <summary>A container's cgroup on a v2 (unified) host: one directory, &lt;root&gt;/&lt;cgroupsPath&gt;.</summary>
public sealed partial class CgroupV2 : ICgroup
{
    // Controllers a container may need; enabled down the path so the leaf gets its interface files.
    private static readonly string[] WantedControllers = ["cpuset", "cpu", "io", "memory", "pids", "hugetlb"];

    private readonly string _root;
    private readonly CgroupPath _path;
    private readonly CgroupDirectory _dir;

    private CgroupV2(string root, CgroupPath path, CgroupDirectory dir)
    {
        _root = root;
        _path = path;
        _dir = dir;
    }

    public string Path => _path.Original;

    internal string Dir => _dir.FullPath;

    /// <summary>How long Freeze/Thaw wait for cgroup.events to report the new state.</summary>
    internal TimeSpan FreezeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the OOM watcher reads memory.events.</summary>
    internal TimeSpan OomPollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    public static CgroupV2 Create(string root, CgroupPath path)
    {
        var dir = CgroupDirectory.Create(root, path);
        EnableControllers(root, path);
        return new CgroupV2(root, path, dir);
    }

    public static CgroupV2? Open(string root, CgroupPath path) =>
        CgroupDirectory.Existing(root, path) is { } dir ? new CgroupV2(root, path, dir) : null;

    /// <summary>
    /// A v2 child only gets the controllers its parent lists in cgroup.subtree_control. Enable the ones we
    /// need (and the parent offers) on every level above the leaf, as runc does. Enabling after the children
    /// exist is fine: their interface files appear at once.
    /// </summary>
    private static void EnableControllers(string root, CgroupPath path)
    {
        var current = root;
        for (var i = 0; i < path.Components.Count; i++)
        {
            var available = Words(CgroupFile.TryRead(System.IO.Path.Combine(current, "cgroup.controllers")));
            var enabled = Words(CgroupFile.TryRead(System.IO.Path.Combine(current, "cgroup.subtree_control")));
            var missing = WantedControllers.Where(c => available.Contains(c) && !enabled.Contains(c)).ToArray();
            if (missing.Length > 0)
            {
                Enable(System.IO.Path.Combine(current, "cgroup.subtree_control"), missing);
            }

            current = current + "/" + path.Components[i];
        }
    }

    /// <summary>
    /// All at once first (the kernel applies a list all-or-nothing); if that is refused, one by one, so one
    /// controller the kernel will not delegate here does not cost the others. A controller that stays off
    /// shows up later when Apply writes its missing interface file (ENOENT, naming the file).
    /// </summary>
    private static void Enable(string subtreeControl, string[] controllers)
    {
        if (CgroupFile.TryWrite(subtreeControl, string.Join(' ', controllers.Select(c => "+" + c))) == Errno.None)
        {
            return;
        }

        foreach (var c in controllers)
        {
            CgroupFile.TryWrite(subtreeControl, "+" + c);
        }
    }

    private static HashSet<string> Words(string? text) =>
        new((text ?? "").Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);

    private string FileIn(string name) => System.IO.Path.Combine(_dir.FullPath, name);

    public void AddProcess(int pid) => CgroupFile.Write(FileIn("cgroup.procs"), CgroupFile.Format(pid));

    public IDisposable? TryEnterWithCurrentThread() => null;

    public string? MemoryTasksFile => null;

    public IReadOnlyList<int> Pids() => CgroupFile.ReadPids(FileIn("cgroup.procs"));

    public void KillAll(int signal)
    {
        // cgroup.kill (Linux 5.14+) kills every task atomically, forks in flight and frozen tasks included.
        if (signal == ProcessSignals.SigKill && File.Exists(FileIn("cgroup.kill")))
        {
            CgroupFile.Write(FileIn("cgroup.kill"), "1");
            return;
        }
        ProcessSignals.SignalAll(Pids(), signal);
    }

    public void Freeze() => SetFrozen(true);

    public void Thaw() => SetFrozen(false);

    /// <summary>Writes cgroup.freeze, then waits for "frozen 0|1" in cgroup.events (freezing is asynchronous in v2).</summary>
    private void SetFrozen(bool frozen)
    {
        var want = frozen ? 1UL : 0UL;
        CgroupFile.Write(FileIn("cgroup.freeze"), frozen ? "1" : "0");
        var deadline = Environment.TickCount64 + (long)FreezeTimeout.TotalMilliseconds;
        var delayMs = 1;
        while (CgroupFile.TryReadKeyed(FileIn("cgroup.events")).GetValueOrDefault("frozen") != want)
        {
            if (Environment.TickCount64 >= deadline)
            {
                if (frozen)
                {
                    CgroupFile.TryWrite(FileIn("cgroup.freeze"), "0"); // never leave a half-frozen container behind
                }

                throw new TimeoutException($"cgroup {Path}: not {(frozen ? "frozen" : "thawed")} within {FreezeTimeout}");
            }
            Thread.Sleep(delayMs);
            delayMs = Math.Min(delayMs * 2, 50);
        }
    }

    public IDisposable WatchOom(Action onOom) => OomWatcherV2.Start(_dir.FullPath, onOom, OomPollInterval);

    public bool OomKilled => OomWatcherV2.OomKills(FileIn("memory.events")) is > 0;

    public ulong? MemoryLimitBytes
    {
        get
        {
            // The effective limit is the smallest memory.max from the leaf up to (not including) the root.
            ulong? smallest = null;
            for (var dir = _dir.FullPath; dir.Length > _root.Length; dir = System.IO.Path.GetDirectoryName(dir)!)
            {
                var max = CgroupFile.TryReadUInt64(System.IO.Path.Combine(dir, "memory.max"));
                if (max is { } m && m != ulong.MaxValue && (smallest is null || m < smallest))
                {
                    smallest = m;
                }
            }
            return smallest;
        }
    }


    public void Delete() => _dir.Delete();
}
