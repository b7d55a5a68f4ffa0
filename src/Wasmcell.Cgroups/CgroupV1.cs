using Wasmcell.Oci.RuntimeSpec;

namespace Wasmcell.Cgroups;

/// <summary>
/// A container's cgroup on a v1 (or hybrid) host: the same relative path in every mounted v1 hierarchy,
/// as runc's cgroupfs driver lays it out (/sys/fs/cgroup/&lt;controller&gt;/&lt;cgroupsPath&gt;).
/// </summary>
public sealed partial class CgroupV1 : ICgroup
{
    private readonly CgroupPath _path;
    private readonly List<(V1Hierarchy Hierarchy, CgroupDirectory Directory)> _dirs;
    private OomWatcherV1? _lastWatcher;

    private CgroupV1(CgroupPath path, List<(V1Hierarchy, CgroupDirectory)> dirs)
    {
        _path = path;
        _dirs = dirs;
    }

    public string Path => _path.Original;

    /// <summary>How long Freeze/Thaw wait for freezer.state to settle.</summary>
    internal TimeSpan FreezeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public static CgroupV1 Create(V1Hierarchies hierarchies, CgroupPath path)
    {
        if (hierarchies.All.Count == 0)
        {
            throw new NotSupportedException("no cgroup v1 hierarchy is mounted");
        }

        var dirs = new List<(V1Hierarchy, CgroupDirectory)>();
        try
        {
            foreach (var h in hierarchies.All)
            {
                var dir = CgroupDirectory.Create(h.MountPoint, path);
                dirs.Add((h, dir));
                if (h.Controllers.Contains("cpuset"))
                {
                    InheritCpuset(h.MountPoint, path);
                }
            }
        }
        catch
        {
            foreach (var (_, dir) in dirs)
            {
                TryDelete(dir);
            }

            throw;
        }
        return new CgroupV1(path, dirs);
    }

    /// <summary>The hierarchies where the cgroup exists; null when it exists in none.</summary>
    public static CgroupV1? Open(V1Hierarchies hierarchies, CgroupPath path)
    {
        var dirs = new List<(V1Hierarchy, CgroupDirectory)>();
        foreach (var h in hierarchies.All)
        {
            if (CgroupDirectory.Existing(h.MountPoint, path) is { } dir)
            {
                dirs.Add((h, dir));
            }
        }
        return dirs.Count == 0 ? null : new CgroupV1(path, dirs);
    }

    /// <summary>
    /// A new v1 cpuset cgroup starts with empty cpuset.cpus/mems, and no task can join it until they are set
    /// (ENOSPC). Copy each level's from its parent, top-down, as runc does (cgroup.clone_children is 0 on
    /// this host). Levels that already have values, ours or someone else's, are left alone.
    /// </summary>
    private static void InheritCpuset(string mountPoint, CgroupPath path)
    {
        var parent = mountPoint;
        foreach (var component in path.Components)
        {
            var dir = parent + "/" + component;
            foreach (var file in new[] { "cpuset.cpus", "cpuset.mems" })
            {
                var own = CgroupFile.TryRead(System.IO.Path.Combine(dir, file));
                if (own is null || own.Trim().Length > 0)
                {
                    continue;
                }

                CgroupFile.Write(System.IO.Path.Combine(dir, file), CgroupFile.Read(System.IO.Path.Combine(parent, file)).Trim());
            }
            parent = dir;
        }
    }

    /// <summary>The leaf directory in the hierarchy carrying <paramref name="controller"/>, or null.</summary>
    internal string? DirOf(string controller)
    {
        foreach (var (h, d) in _dirs)
        {
            if (h.Controllers.Contains(controller))
            {
                return d.FullPath;
            }
        }
        return null;
    }

    private string RequireDir(string controller) =>
        DirOf(controller) ?? throw new NotSupportedException($"the cgroup v1 {controller} controller is not mounted");

    public void AddProcess(int pid)
    {
        var value = CgroupFile.Format(pid);
        foreach (var (_, dir) in _dirs)
        {
            CgroupFile.Write(System.IO.Path.Combine(dir.FullPath, "cgroup.procs"), value);
        }
    }

    public string? MemoryTasksFile => DirOf("memory") is { } dir ? System.IO.Path.Combine(dir, "tasks") : null;

    public IDisposable? TryEnterWithCurrentThread()
    {
        var visit = new ThreadVisit(ThreadCgroups.OfCurrentThread());
        try
        {
            foreach (var (h, dir) in _dirs)
            {
                if (h.Controllers.Contains("memory"))
                {
                    continue;
                }

                CgroupFile.Write(System.IO.Path.Combine(dir.FullPath, "tasks"), ThreadCgroups.Self);
                visit.Moved.Add(h);
            }
        }
        catch
        {
            visit.Dispose();
            throw;
        }
        return visit;
    }

    /// <summary>
    /// Returns the thread to where it came from, before it can exit: a thread that dies inside keeps the
    /// cgroup busy (rmdir EBUSY) and lists the shim in its cgroup.procs while it is torn down.
    /// </summary>
    private sealed class ThreadVisit(Dictionary<string, string> home) : IDisposable
    {
        public List<V1Hierarchy> Moved { get; } = new();

        public void Dispose()
        {
            foreach (var h in Moved)
            {
                if (ThreadCgroups.PathIn(home, h) is { } path)
                {
                    CgroupFile.TryWrite(System.IO.Path.Combine(h.MountPoint, path.TrimStart('/'), "tasks"), ThreadCgroups.Self);
                }
            }
            Moved.Clear();
        }
    }

    public IReadOnlyList<int> Pids()
    {
        var dir = DirOf("pids") ?? DirOf("memory") ?? _dirs[0].Directory.FullPath;
        return CgroupFile.ReadPids(System.IO.Path.Combine(dir, "cgroup.procs"));
    }

    public void KillAll(int signal)
    {
        ProcessSignals.SignalAll(Pids(), signal);
        // A frozen task keeps a SIGKILL pending until it thaws (it stays in D state): thaw so the kill lands.
        if (signal == ProcessSignals.SigKill && DirOf("freezer") is { } freezer
            && CgroupFile.TryRead(System.IO.Path.Combine(freezer, "freezer.state"))?.Trim() is "FROZEN" or "FREEZING")
        {
            Thaw();
        }
    }

    public void Freeze() => SetFreezerState("FROZEN");

    public void Thaw() => SetFreezerState("THAWED");

    /// <summary>
    /// Writes the state and waits until freezer.state reports it. A write of FROZEN can leave the cgroup in
    /// FREEZING while a task is busy in the kernel; writing again retries the freeze (runc does the same).
    /// </summary>
    private void SetFreezerState(string state)
    {
        var file = System.IO.Path.Combine(RequireDir("freezer"), "freezer.state");
        var deadline = Environment.TickCount64 + (long)FreezeTimeout.TotalMilliseconds;
        var delayMs = 1;
        while (true)
        {
            CgroupFile.Write(file, state);
            if (CgroupFile.Read(file).Trim() == state)
            {
                return;
            }

            if (Environment.TickCount64 >= deadline)
            {
                if (state == "FROZEN")
                {
                    CgroupFile.TryWrite(file, "THAWED"); // never leave a half-frozen container behind
                }

                throw new TimeoutException($"cgroup {Path}: freezer did not reach {state} within {FreezeTimeout}");
            }
            Thread.Sleep(delayMs);
            delayMs = Math.Min(delayMs * 2, 50);
        }
    }

    public IDisposable WatchOom(Action onOom)
    {
        var watcher = OomWatcherV1.Start(RequireDir("memory"), onOom);
        _lastWatcher = watcher;
        return watcher;
    }

    public bool OomKilled
    {
        get
        {
            var memory = DirOf("memory");
            if (memory is null)
            {
                return false;
            }

            var control = CgroupFile.TryReadKeyed(System.IO.Path.Combine(memory, "memory.oom_control"));
            // oom_kill exists since Linux 4.13; before that, only an OOM notification seen by a watcher tells.
            return control.TryGetValue("oom_kill", out var kills) ? kills > 0 : _lastWatcher?.Fired == true;
        }
    }

    public ulong? MemoryLimitBytes
    {
        get
        {
            var memory = DirOf("memory");
            if (memory is null)
            {
                return null;
            }
            // hierarchical_memory_limit is the smallest limit on the way to the root.
            var stat = CgroupFile.TryReadKeyed(System.IO.Path.Combine(memory, "memory.stat"));
            var limit = stat.TryGetValue("hierarchical_memory_limit", out var h)
                ? h
                : CgroupFile.TryReadUInt64(System.IO.Path.Combine(memory, "memory.limit_in_bytes")) ?? ulong.MaxValue;
            return V1Limits.IsUnlimited(limit) ? null : limit;
        }
    }


    public void Delete()
    {
        CgroupException? first = null;
        foreach (var (_, dir) in _dirs)
        {
            try
            {
                dir.Delete();
            }
            catch (CgroupException e)
            {
                first ??= e; // keep going: every other hierarchy should still be cleaned up
            }
        }
        if (first is not null)
        {
            throw first;
        }
    }

    private static void TryDelete(CgroupDirectory dir)
    {
        try
        {
            dir.Delete();
        }
        catch (CgroupException)
        {
            // Best effort while unwinding a failed Create; the original error is what the caller needs.
        }
    }
}
