using Wasmcell.Cgroups;
using Wasmcell.Cgroups.Tests.Infrastructure;
using Wasmcell.Linux;
using Wasmcell.Oci.RuntimeSpec;
using CgroupsApi = Wasmcell.Cgroups.Cgroups;

namespace Wasmcell.Cgroups.Tests;

/// <summary>
/// The v1 code against this host's real cgroupfs. Needs root (we are root here and in CI). Every test
/// works under its own /sys/fs/cgroup/*/wasmcell-test-&lt;random&gt; and removes it, even on failure.
/// </summary>
[Trait("Needs", "root")]
[Trait("Needs", "cgroups")]
public sealed class CgroupV1RealTests : IDisposable
{
    private const long MiB = 1 << 20;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly V1Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private string Dir(string controller, string leaf = "c") =>
        Path.Combine(V1Scratch.Root, controller, _scratch.Name, leaf);

    [Fact]
    public void Create_makes_the_cgroup_in_every_hierarchy_and_AddProcess_moves_a_process_into_all_of_them()
    {
        var cg = CgroupsApi.Create(_scratch.PathFor("c"));
        foreach (var mount in V1Scratch.HierarchyMounts())
        {
            Assert.True(Directory.Exists(Path.Combine(mount, _scratch.Name, "c")), mount);
        }
        Assert.NotEqual("", File.ReadAllText(Dir("cpuset", "c") + "/cpuset.cpus").Trim()); // inherited, or no task could join

        var sleep = _scratch.Start("exec sleep 1000");
        cg.AddProcess(sleep.Id);

        foreach (var controller in new[] { "memory", "cpu", "cpuacct", "cpuset", "freezer", "pids", "devices", "blkio", "name=systemd" })
        {
            Assert.Equal(_scratch.PathFor("c"), V1Scratch.CgroupOf(sleep.Id, controller));
        }
        Assert.Equal(new[] { sleep.Id }, cg.Pids());
    }

    [Fact]
    public async Task A_thread_inside_gives_birth_in_every_hierarchy_but_memory_which_the_child_joins_itself()
    {
        var cg = CgroupsApi.Create(_scratch.PathFor("c"));
        var ownMemory = V1Scratch.CgroupOf(Environment.ProcessId, "memory");
        var others = new[] { "cpu", "cpuacct", "cpuset", "freezer", "pids", "devices", "blkio", "name=systemd" };
        var memoryTasks = cg.MemoryTasksFile;
        Assert.Equal(Path.Combine(Dir("memory"), "tasks"), memoryTasks);

        // posix_spawn, as the shim does (System.Diagnostics.Process may start threads of its own on first use,
        // and those would stay in the cgroup). The child waits for a line, then moves its own main thread into
        // memory as a started cell does.
        var (inR, inW) = Libc.Pipe();
        var (outR, outW) = Libc.Pipe();
        var script = $"read go; echo 0 > {memoryTasks}; echo joined; exec sleep 1000";
        var child = 0;
        var entered = false;
        var launcher = new Thread(() =>
        {
            using var inside = cg.TryEnterWithCurrentThread();
            entered = inside is not null;
            child = PosixSpawn.Start("/bin/sh", ["/bin/sh", "-c", script], PosixSpawn.CurrentEnvironment(), [inR, outW, -1], newSession: false);
        });
        launcher.Start();
        Assert.True(launcher.Join(Bound));
        Assert.True(entered && child > 0, $"entered {entered}, child {child}");
        Libc.Close(inR);
        Libc.Close(outW);
        try
        {
            foreach (var controller in others)
            {
                Assert.Equal(_scratch.PathFor("c"), V1Scratch.CgroupOf(child, controller));
            }
            Assert.Equal(ownMemory, V1Scratch.CgroupOf(child, "memory"));
            // The spawning thread went home: the cgroup holds the child alone.
            Assert.Equal(new[] { child }, cg.Pids());

            Libc.WriteAll(inW, "go\n"u8);
            var buffer = new byte[64];
            var n = await Task.Run(() => Libc.ReadSome(outR, buffer)).WaitAsync(Bound);
            Assert.Equal("joined\n", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
            Assert.Equal(_scratch.PathFor("c"), V1Scratch.CgroupOf(child, "memory"));
        }
        finally
        {
            Libc.Kill(child, Signals.SIGKILL);
            ReapQuietly(child);
            Libc.Close(inW);
            Libc.Close(outR);
        }
    }

    private static unsafe void ReapQuietly(int pid)
    {
        int status;
        Libc.WaitPid(pid, &status, 0);
    }

    [Fact]
    public void Open_sees_an_existing_cgroup_and_creates_nothing_for_a_missing_one()
    {
        Assert.Null(CgroupsApi.Open(_scratch.PathFor("c")));
        Assert.False(Directory.Exists(Dir("memory")));

        var created = CgroupsApi.Create(_scratch.PathFor("c"));
        var sleep = _scratch.Start("exec sleep 1000");
        created.AddProcess(sleep.Id);
        var opened = CgroupsApi.Open(_scratch.PathFor("c"));

        Assert.NotNull(opened);
        Assert.Equal(new[] { sleep.Id }, opened.Pids());
        Assert.Equal(1UL, opened.Stats().Pids!.Current);
    }

    [Fact]
    public void Apply_sets_memory_cpu_and_pids_limits_that_read_back_and_Update_can_raise_them()
    {
        var cg = CgroupsApi.Create(_scratch.PathFor("c"));
        cg.Apply(new LinuxResources
        {
            Memory = new LinuxMemory { Limit = 64 * MiB, Swap = 64 * MiB, Reservation = 32 * MiB, DisableOomKiller = true },
            Cpu = new LinuxCpu { Shares = 512, Quota = 50_000, Period = 100_000, Cpus = "0", Mems = "0" },
            Pids = new LinuxPids { Limit = 20 },
        });

        Assert.Equal("67108864", File.ReadAllText(Dir("memory") + "/memory.limit_in_bytes").Trim());
        Assert.Equal("67108864", File.ReadAllText(Dir("memory") + "/memory.memsw.limit_in_bytes").Trim());
        Assert.Equal("512", File.ReadAllText(Dir("cpu") + "/cpu.shares").Trim());
        Assert.Equal("50000", File.ReadAllText(Dir("cpu") + "/cpu.cfs_quota_us").Trim());
        Assert.Equal("100000", File.ReadAllText(Dir("cpu") + "/cpu.cfs_period_us").Trim());
        Assert.Equal("20", File.ReadAllText(Dir("pids") + "/pids.max").Trim());
        Assert.Equal("33554432", File.ReadAllText(Dir("memory") + "/memory.soft_limit_in_bytes").Trim());
        Assert.Contains("oom_kill_disable 1", File.ReadAllText(Dir("memory") + "/memory.oom_control"));
        Assert.Equal("0", File.ReadAllText(Dir("cpuset") + "/cpuset.cpus").Trim());
        Assert.Equal((ulong)(64 * MiB), cg.MemoryLimitBytes);

        // Update (CRI UpdateContainerResources): raising the limit needs memsw raised first.
        cg.Apply(SpecLoader.ParseResources("""{"memory":{"limit":134217728,"swap":134217728},"cpu":{"quota":-1}}"""u8));
        Assert.Equal("134217728", File.ReadAllText(Dir("memory") + "/memory.limit_in_bytes").Trim());
        Assert.Equal("134217728", File.ReadAllText(Dir("memory") + "/memory.memsw.limit_in_bytes").Trim());
        Assert.Equal("-1", File.ReadAllText(Dir("cpu") + "/cpu.cfs_quota_us").Trim());
        Assert.Equal((ulong)(128 * MiB), cg.MemoryLimitBytes);

        // ... and lowering it needs the limit lowered first.
        cg.Apply(new LinuxResources { Memory = new LinuxMemory { Limit = 32 * MiB, Swap = 32 * MiB } });
        Assert.Equal((ulong)(32 * MiB), cg.MemoryLimitBytes);

        cg.Apply(new LinuxResources { Memory = new LinuxMemory { Limit = -1 } });
        Assert.Null(cg.MemoryLimitBytes);
    }

    [Fact]
    public void Device_rules_are_written_in_order_and_a_process_inside_reaches_only_the_allowed_devices()
    {
        var cg = CgroupsApi.Create(_scratch.PathFor("c"));
        cg.ApplyDevices(
        [
            new() { Allow = false, Access = "rwm" },
            new() { Allow = true, Type = "c", Major = 1, Minor = 3, Access = "rwm" },
            new() { Allow = true, Type = "c", Major = 1, Minor = 8, Access = "r" },
            new() { Allow = true, Type = "c", Major = 136, Access = "rwm" },
        ]);

        // devices.list is the kernel's own view, not what we wrote: proof the rules were taken in that order.
        Assert.Equal("c 1:3 rwm\nc 1:8 r\nc 136:* rwm\n", File.ReadAllText(Dir("devices") + "/devices.list"));
        var probe = _scratch.Start(
            "read go; head -c 0 /dev/null && echo null-ok; head -c 1 /dev/random > /dev/null && echo random-ok; "
            + "head -c 1 /dev/zero 2>/dev/null > /dev/null || echo zero-denied; echo x 2>/dev/null > /dev/random || echo random-write-denied");
        cg.AddProcess(probe.Id);
        V1Scratch.Release(probe);
        Assert.Equal("null-ok", probe.StandardOutput.ReadLine());
        Assert.Equal("random-ok", probe.StandardOutput.ReadLine());
        Assert.Equal("zero-denied", probe.StandardOutput.ReadLine());
        Assert.Equal("random-write-denied", probe.StandardOutput.ReadLine());
    }

    [Fact]
    public void Device_rules_are_not_part_of_Apply_so_an_update_leaves_them_alone()
    {
        var cg = CgroupsApi.Create(_scratch.PathFor("c"));
        cg.ApplyDevices([new() { Allow = false, Access = "rwm" }, new() { Allow = true, Type = "c", Major = 1, Minor = 3, Access = "rwm" }]);

        cg.Apply(SpecLoader.ParseResources("""{"devices":[{"allow":true,"access":"rwm"}],"pids":{"limit":10}}"""u8));

        Assert.Equal("c 1:3 rwm\n", File.ReadAllText(Dir("devices") + "/devices.list"));
        Assert.Equal("10", File.ReadAllText(Dir("pids") + "/pids.max").Trim());
    }

    [Fact]
    public void A_rejected_value_surfaces_the_kernels_errno()
    {
        var cg = CgroupsApi.Create(_scratch.PathFor("c"));
        var e = Assert.Throws<CgroupException>(() => cg.Apply(new LinuxResources { Cpu = new LinuxCpu { Quota = 10, Period = 100_000 } }));
        Assert.Equal(22, e.ErrnoValue); // EINVAL: a quota below 1 ms
    }

    [Fact]
    public void Stats_reports_real_cpu_memory_and_pids()
    {
        var cg = CgroupsApi.Create(_scratch.PathFor("c"));
        cg.Apply(new LinuxResources { Memory = new LinuxMemory { Limit = 64 * MiB, Swap = 64 * MiB }, Pids = new LinuxPids { Limit = 50 } });
        var worker = _scratch.Start("read go; i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; x=$(head -c 2000000 /dev/zero | tr '\\0' a); echo done; exec sleep 1000");
        cg.AddProcess(worker.Id);
        V1Scratch.Release(worker);
        Assert.Equal("done", worker.StandardOutput.ReadLine());

        var m = Assert.IsType<CgroupV1Stats>(cg.Stats());

        Assert.True(m.Cpu!.Total > 0);
        Assert.True(m.Cpu.User + m.Cpu.Kernel > 0);
        Assert.Equal(Environment.ProcessorCount, m.Cpu.PerCpu.Count);
        Assert.True(m.Memory!.Usage.Usage > 0);
        Assert.Equal((ulong)(64 * MiB), m.Memory.Usage.Limit);
        Assert.True(m.Memory.Usage.Max >= m.Memory.Usage.Usage);
        Assert.Equal((ulong)(64 * MiB), m.Memory.HierarchicalMemoryLimit);
        Assert.True(m.Memory.TotalRss + m.Memory.TotalCache > 0);
        Assert.True(m.Memory.TotalPgFault > 0);
        Assert.True(m.Memory.TotalInactiveFile <= m.Memory.Usage.Usage); // working set = usage - total_inactive_file
        Assert.NotNull(m.Memory.Swap);
        Assert.Equal(1UL, m.Pids!.Current);
        Assert.Equal(50UL, m.Pids.Limit);
        Assert.Equal(0UL, m.MemoryOomControl!.OomKill);
    }

    [Fact]
    public void Freeze_stops_the_processes_and_Thaw_resumes_them()
    {
        var cg = CgroupsApi.Create(_scratch.PathFor("c"));
        var sleep = _scratch.Start("exec sleep 1000");
        cg.AddProcess(sleep.Id);
        // Until sleep is asleep: a process still exec'ing on a busy host can be in D for a moment (CI saw it).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (V1Scratch.State(sleep.Id) != "S" && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);
        }
        Assert.Equal("S", V1Scratch.State(sleep.Id));

        cg.Freeze();
        Assert.Equal("FROZEN", File.ReadAllText(Dir("freezer") + "/freezer.state").Trim());
        Assert.Equal("D", V1Scratch.State(sleep.Id)); // frozen tasks show as uninterruptible

        cg.Thaw();
        Assert.Equal("THAWED", File.ReadAllText(Dir("freezer") + "/freezer.state").Trim());
        Assert.Contains(V1Scratch.State(sleep.Id), new[] { "S", "R" }); // runnable again, not frozen
    }

    [Fact]
    public void A_process_allocating_past_the_limit_is_OOM_killed_and_the_watch_fires()
    {
        var cg = CgroupsApi.Create(_scratch.PathFor("c"));
        cg.Apply(new LinuxResources { Memory = new LinuxMemory { Limit = 16 * MiB, Swap = 16 * MiB } });
        Assert.False(cg.OomKilled);
        using var fired = new SemaphoreSlim(0);
        using var watch = cg.WatchOom(() => fired.Release());

        // tail keeps every byte of a line that never ends: it grows until the kernel kills it.
        var hog = _scratch.Start("read go; exec tail /dev/zero");
        cg.AddProcess(hog.Id);
        V1Scratch.Release(hog);

        Assert.True(fired.Wait(Bound), "no OOM notification");
        Assert.True(V1Scratch.WaitExited(hog.Id, Bound), "the hog survived");
        Assert.True(cg.OomKilled);
        var m = Assert.IsType<CgroupV1Stats>(cg.Stats());
        Assert.True(m.MemoryOomControl!.OomKill >= 1);
        Assert.True(m.Memory!.Usage.Max > 15 * MiB, $"peak {m.Memory.Usage.Max}"); // it did reach the 16 MiB limit
    }

    [Fact]
    public void WatchOom_stays_silent_without_an_OOM_and_stops_on_dispose()
    {
        var cg = CgroupsApi.Create(_scratch.PathFor("c"));
        var calls = 0;
        var watch = cg.WatchOom(() => Interlocked.Increment(ref calls));
        watch.Dispose();
        watch.Dispose();
        cg.Delete(); // the kernel signals the eventfd on removal; that is not an OOM
        Assert.Equal(0, calls);
        Assert.False(Directory.Exists(Dir("memory")));
    }

    [Fact]
    public void KillAll_signals_every_process_in_the_cgroup()
    {
        var cg = CgroupsApi.Create(_scratch.PathFor("c"));
        var sleepers = Enumerable.Range(0, 3).Select(_ => _scratch.Start("exec sleep 1000")).ToList();
        foreach (var s in sleepers)
        {
            cg.AddProcess(s.Id);
        }

        var outsider = _scratch.Start("exec sleep 1000");

        cg.KillAll(9);

        foreach (var s in sleepers)
        {
            Assert.True(V1Scratch.WaitExited(s.Id, Bound));
        }
        // Alive: sleeping, or still running its way into sleep on a busy host.
        Assert.Contains(V1Scratch.State(outsider.Id), new[] { "S", "R" });
    }

    [Fact]
    public void KillAll_with_SIGKILL_reaches_a_frozen_cgroup()
    {
        var cg = CgroupsApi.Create(_scratch.PathFor("c"));
        var sleep = _scratch.Start("exec sleep 1000");
        cg.AddProcess(sleep.Id);
        cg.Freeze();

        cg.KillAll(9);

        Assert.True(V1Scratch.WaitExited(sleep.Id, Bound), "a frozen task never dies of SIGKILL unless thawed");
        Assert.Equal("THAWED", File.ReadAllText(Dir("freezer") + "/freezer.state").Trim());
    }

    [Fact]
    public void Delete_after_the_processes_exit_leaves_nothing_including_the_parents_it_created()
    {
        var cg = CgroupsApi.Create(_scratch.PathFor("pod/c"));
        var sleep = _scratch.Start("exec sleep 1000");
        cg.AddProcess(sleep.Id);
        cg.KillAll(9);
        Assert.True(V1Scratch.WaitExited(sleep.Id, Bound));

        cg.Delete();

        foreach (var mount in V1Scratch.HierarchyMounts())
        {
            Assert.False(Directory.Exists(Path.Combine(mount, _scratch.Name)), mount);
        }
    }

    [Fact]
    public void Delete_keeps_a_parent_it_did_not_create()
    {
        var parent = CgroupsApi.Create(_scratch.PathFor());
        var cg = CgroupsApi.Create(_scratch.PathFor("c"));

        cg.Delete();

        foreach (var mount in V1Scratch.HierarchyMounts())
        {
            Assert.False(Directory.Exists(Path.Combine(mount, _scratch.Name, "c")), mount);
            Assert.True(Directory.Exists(Path.Combine(mount, _scratch.Name)), mount);
        }
        parent.Delete();
        Assert.False(Directory.Exists(Path.Combine(V1Scratch.Root, "memory", _scratch.Name)));
    }
}
