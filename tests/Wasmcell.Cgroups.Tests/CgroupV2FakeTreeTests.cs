using Wasmcell.Cgroups;
using Wasmcell.Cgroups.Tests.Infrastructure;
using Wasmcell.Oci.RuntimeSpec;
using CgroupsApi = Wasmcell.Cgroups.Cgroups;

namespace Wasmcell.Cgroups.Tests;

/// <summary>The v2 code over a plain-file fake of /sys/fs/cgroup (this host runs v1, so v2 cannot run for real).</summary>
public sealed class CgroupV2FakeTreeTests : IDisposable
{
    private readonly FakeCgroup2Tree _tree = new();

    public void Dispose() => _tree.Dispose();

    private CgroupV2 CreateLeaf(string path = "/wct/abc")
    {
        _tree.Populate(path);
        return (CgroupV2)CgroupsApi.Create(path, _tree.Root);
    }

    [Fact]
    public void Root_with_cgroup_controllers_is_detected_as_v2()
    {
        Assert.Equal(CgroupMode.V2, CgroupsApi.DetectMode(_tree.Root));
    }

    [Fact]
    public void Create_enables_the_offered_controllers_on_every_level_above_the_leaf()
    {
        _tree.Populate("/wct");
        File.WriteAllText(Path.Combine(_tree.DirOf("/wct"), "cgroup.controllers"), "cpu memory pids\n");
        File.WriteAllText(Path.Combine(_tree.DirOf("/wct"), "cgroup.subtree_control"), "memory\n");

        var cg = CgroupsApi.Create("/wct/abc", _tree.Root);

        Assert.True(Directory.Exists(_tree.DirOf("/wct/abc")));
        Assert.Equal("+cpuset +cpu +io +memory +pids", File.ReadAllText(Path.Combine(_tree.Root, "cgroup.subtree_control")));
        // Only what the level offers and has not enabled yet.
        Assert.Equal("+cpu +pids", _tree.Read("/wct", "cgroup.subtree_control"));
        Assert.Equal("/wct/abc", cg.Path);
    }

    [Fact]
    public void Apply_writes_v2_values_converted_from_the_OCI_resources()
    {
        var cg = CreateLeaf();
        cg.Apply(new LinuxResources
        {
            Memory = new LinuxMemory { Limit = 64 << 20, Swap = 96 << 20, Reservation = 32 << 20 },
            Cpu = new LinuxCpu { Shares = 1024, Quota = 50_000, Period = 100_000, Cpus = "0-1", Mems = "0" },
            Pids = new LinuxPids { Limit = 42 },
            Unified = new Dictionary<string, string> { ["memory.high"] = "50000000" },
        });

        Assert.Equal((64 << 20).ToString(), _tree.Read("/wct/abc", "memory.max"));
        Assert.Equal((32 << 20).ToString(), _tree.Read("/wct/abc", "memory.swap.max")); // swap alone = 96 MiB - 64 MiB
        Assert.Equal((32 << 20).ToString(), _tree.Read("/wct/abc", "memory.low"));
        Assert.Equal("39", _tree.Read("/wct/abc", "cpu.weight"));
        Assert.Equal("50000 100000", _tree.Read("/wct/abc", "cpu.max"));
        Assert.Equal("0-1", _tree.Read("/wct/abc", "cpuset.cpus"));
        Assert.Equal("0", _tree.Read("/wct/abc", "cpuset.mems"));
        Assert.Equal("42", _tree.Read("/wct/abc", "pids.max"));
        Assert.Equal("50000000", _tree.Read("/wct/abc", "memory.high"));
    }

    [Fact]
    public void Update_resources_JSON_lifts_limits_with_minus_one_and_keeps_what_it_omits()
    {
        var cg = CreateLeaf();
        cg.Apply(new LinuxResources { Memory = new LinuxMemory { Limit = 64 << 20 }, Cpu = new LinuxCpu { Shares = 2 } });

        cg.Apply(SpecLoader.ParseResources("""{"memory":{"limit":-1},"cpu":{"quota":-1,"period":200000},"pids":{"limit":0}}"""u8));

        Assert.Equal("max", _tree.Read("/wct/abc", "memory.max"));
        Assert.Equal("max", _tree.Read("/wct/abc", "memory.swap.max"));
        Assert.Equal("max 200000", _tree.Read("/wct/abc", "cpu.max"));
        Assert.Equal("max", _tree.Read("/wct/abc", "pids.max"));
        Assert.Equal("1", _tree.Read("/wct/abc", "cpu.weight")); // untouched by the update
    }

    [Theory]
    [InlineData(2UL, 1UL)]
    [InlineData(1024UL, 39UL)]
    [InlineData(262144UL, 10000UL)]
    [InlineData(1UL, 1UL)]
    [InlineData(1_000_000UL, 10000UL)]
    public void Cpu_shares_map_onto_cpu_weight(ulong shares, ulong weight) =>
        Assert.Equal(weight, CpuWeight.FromShares(shares));

    [Fact]
    public void Swap_without_a_memory_limit_or_below_it_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => CgroupV2.SwapMax(swap: 100, limit: 0));
        Assert.Throws<ArgumentException>(() => CgroupV2.SwapMax(swap: 100, limit: 200));
        Assert.Equal("0", CgroupV2.SwapMax(swap: 200, limit: 200));
        Assert.Null(CgroupV2.SwapMax(swap: 0, limit: 200));
    }

    [Fact]
    public void Memory_limit_is_the_smallest_memory_max_up_the_tree()
    {
        var cg = CreateLeaf();
        Assert.Null(cg.MemoryLimitBytes);

        _tree.Write("/wct", "memory.max", "1000000\n");
        _tree.Write("/wct/abc", "memory.max", "2000000\n");
        Assert.Equal(1_000_000UL, cg.MemoryLimitBytes);

        _tree.Write("/wct/abc", "memory.max", "500000\n");
        Assert.Equal(500_000UL, cg.MemoryLimitBytes);
    }

    [Fact]
    public void Stats_reads_the_fields_CRI_needs()
    {
        var cg = CreateLeaf();
        _tree.Write("/wct/abc", "cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 7\nnr_throttled 3\nthrottled_usec 90\n");
        _tree.Write("/wct/abc", "memory.current", "10000000\n");
        _tree.Write("/wct/abc", "memory.max", "67108864\n");
        _tree.Write("/wct/abc", "memory.stat", "anon 6000000\nfile 4000000\ninactive_file 2500000\npgfault 12\npgmajfault 1\n");
        _tree.Write("/wct/abc", "memory.events", "low 0\nhigh 0\nmax 4\noom 2\noom_kill 1\n");
        _tree.Write("/wct/abc", "pids.current", "3\n");
        _tree.Write("/wct/abc", "pids.max", "max\n");

        var m = Assert.IsType<CgroupV2Stats>(cg.Stats());

        Assert.Equal(1500UL, m.Cpu!.UsageUsec);
        Assert.Equal(1000UL, m.Cpu.UserUsec);
        Assert.Equal(500UL, m.Cpu.SystemUsec);
        Assert.Equal(3UL, m.Cpu.NrThrottled);
        Assert.Equal(10_000_000UL, m.Memory!.Usage);
        Assert.Equal(67_108_864UL, m.Memory.UsageLimit);
        Assert.Equal(6_000_000UL, m.Memory.Anon);
        Assert.Equal(4_000_000UL, m.Memory.File);
        Assert.Equal(7_500_000UL, m.Memory.Usage - m.Memory.InactiveFile); // CRI working_set_bytes
        Assert.Equal(12UL, m.Memory.Pgfault);
        Assert.Equal(2UL, m.MemoryEvents!.Oom);
        Assert.Equal(1UL, m.MemoryEvents.OomKill);
        Assert.Equal(3UL, m.Pids!.Current);
        Assert.Equal(0UL, m.Pids.Limit);
    }

    [Fact]
    public async Task Freeze_waits_until_cgroup_events_reports_frozen_then_Thaw_until_thawed()
    {
        var cg = CreateLeaf();
        var freeze = Task.Run(cg.Freeze);
        await PlayKernel("1", "populated 1\nfrozen 1\n");
        await freeze.WaitAsync(TimeSpan.FromSeconds(30));

        var thaw = Task.Run(cg.Thaw);
        await PlayKernel("0", "populated 1\nfrozen 0\n");
        await thaw.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Freeze_does_not_return_before_the_kernel_reports_frozen()
    {
        var cg = CreateLeaf();
        var freeze = Task.Run(cg.Freeze);
        await PlayKernel("1", "populated 1\nfrozen 0\n"); // requested, not reached yet
        await Task.Delay(100);
        Assert.False(freeze.IsCompleted);
        _tree.Write("/wct/abc", "cgroup.events", "populated 1\nfrozen 1\n");
        await freeze.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Waits for cgroup.freeze to hold <paramref name="request"/>, then reports the state in cgroup.events.</summary>
    private async Task PlayKernel(string request, string events)
    {
        for (var i = 0; i < 1500 && _tree.Read("/wct/abc", "cgroup.freeze").Trim() != request; i++)
        {
            await Task.Delay(20);
        }

        Assert.Equal(request, _tree.Read("/wct/abc", "cgroup.freeze").Trim());
        _tree.Write("/wct/abc", "cgroup.events", events);
    }

    [Fact]
    public void Freeze_that_never_completes_times_out_and_thaws_again()
    {
        var cg = CreateLeaf();
        cg.FreezeTimeout = TimeSpan.FromMilliseconds(200);

        Assert.Throws<TimeoutException>(cg.Freeze);
        Assert.Equal("0", _tree.Read("/wct/abc", "cgroup.freeze"));
    }

    [Fact]
    public void AddProcess_and_Pids_use_cgroup_procs()
    {
        var cg = CreateLeaf();
        cg.AddProcess(4242);
        Assert.Equal("4242", _tree.Read("/wct/abc", "cgroup.procs"));

        _tree.Write("/wct/abc", "cgroup.procs", "10\n11\n12\n");
        Assert.Equal(new[] { 10, 11, 12 }, cg.Pids());
    }

    [Fact]
    public void V2_cannot_give_birth_inside_so_the_caller_moves_the_process_in()
    {
        // A v2 thread cannot sit in another cgroup than its process: no born-inside spawn, no memory self-join.
        var cg = CreateLeaf();
        Assert.Null(cg.TryEnterWithCurrentThread());
        Assert.Null(cg.MemoryTasksFile);
    }

    [Fact]
    public void KillAll_with_SIGKILL_uses_cgroup_kill_when_the_kernel_has_it()
    {
        var cg = CreateLeaf();
        _tree.Write("/wct/abc", "cgroup.kill", "");

        cg.KillAll(9);

        Assert.Equal("1", _tree.Read("/wct/abc", "cgroup.kill"));
    }

    [Fact]
    public void KillAll_ignores_processes_that_are_already_gone()
    {
        var cg = CreateLeaf();
        _tree.Write("/wct/abc", "cgroup.procs", "999999999\n"); // above pid_max: kill(2) reports ESRCH
        var e = Record.Exception(() => cg.KillAll(15));
        Assert.Null(e);
    }

    [Fact]
    public void WatchOom_reports_each_increase_of_the_oom_kill_counter_and_OomKilled_follows_it()
    {
        var cg = CreateLeaf();
        cg.OomPollInterval = TimeSpan.FromMilliseconds(10);
        _tree.Write("/wct/abc", "memory.events", "oom 1\noom_kill 1\n"); // before the watch: not reported
        var fired = new SemaphoreSlim(0);
        using (cg.WatchOom(() => fired.Release()))
        {
            Assert.False(fired.Wait(TimeSpan.FromMilliseconds(200)));
            _tree.Write("/wct/abc", "memory.events", "oom 2\noom_kill 2\n");
            Assert.True(fired.Wait(TimeSpan.FromSeconds(30)));
        }
        Assert.True(cg.OomKilled);
    }

    [Fact]
    public void OomKilled_is_false_without_oom_kills()
    {
        var cg = CreateLeaf();
        _tree.Write("/wct/abc", "memory.events", "oom 1\noom_kill 0\n");
        Assert.False(cg.OomKilled);
    }

    [Fact]
    public void Open_finds_an_existing_cgroup_and_never_creates_one()
    {
        Assert.Null(CgroupsApi.Open("/wct/missing", _tree.Root));
        Assert.False(Directory.Exists(_tree.DirOf("/wct")));

        _tree.Populate("/wct/abc");
        _tree.Write("/wct/abc", "pids.current", "2\n");
        var cg = CgroupsApi.Open("/wct/abc", _tree.Root);

        Assert.NotNull(cg);
        Assert.Equal(2UL, cg.Stats().Pids!.Current);
    }

    [Fact]
    public void Delete_removes_the_leaf_and_the_parents_it_created_but_not_older_ones()
    {
        Directory.CreateDirectory(_tree.DirOf("/pre"));
        var cg = CgroupsApi.Create("/pre/made/leaf", _tree.Root);
        Assert.True(Directory.Exists(_tree.DirOf("/pre/made/leaf")));

        cg.Delete();

        Assert.False(Directory.Exists(_tree.DirOf("/pre/made")));
        Assert.True(Directory.Exists(_tree.DirOf("/pre")));
    }

    [Fact]
    public void Delete_keeps_a_created_parent_that_another_cgroup_still_uses()
    {
        var first = CgroupsApi.Create("/shared/a", _tree.Root);
        var second = CgroupsApi.Create("/shared/b", _tree.Root);

        first.Delete();
        Assert.True(Directory.Exists(_tree.DirOf("/shared/b")));

        second.Delete();
        Assert.False(Directory.Exists(_tree.DirOf("/shared/b")));
    }

    [Fact]
    public void Delete_of_a_busy_cgroup_reports_the_errno()
    {
        var cg = CreateLeaf(); // plain files inside: rmdir fails like a cgroup that still has children
        var e = Assert.Throws<CgroupException>(cg.Delete);
        Assert.Equal(39, e.ErrnoValue); // ENOTEMPTY
        _tree.RemoveInterfaceFiles("/wct/abc");
        cg.Delete();
        Assert.False(Directory.Exists(_tree.DirOf("/wct/abc")));
    }
    [Fact]
    public void Device_rules_that_deny_anything_are_reported_as_not_held_and_write_nothing()
    {
        var cg = CreateLeaf();
        var before = Directory.GetFiles(_tree.DirOf("/wct/abc")).ToDictionary(f => f, File.ReadAllText);
        LinuxDeviceCgroup[] rules =
        [
            new() { Allow = false, Access = "rwm" },
            new() { Allow = true, Type = "c", Major = 1, Minor = 3, Access = "rwm" },
        ];

        // v2 would need a BPF device program; the caller keeps the devices out of reach instead.
        Assert.False(cg.ApplyDevices(rules));
        Assert.Equal(before, Directory.GetFiles(_tree.DirOf("/wct/abc")).ToDictionary(f => f, File.ReadAllText));
    }

    [Fact]
    public void Device_rules_that_allow_every_device_need_no_program_and_change_nothing()
    {
        var cg = CreateLeaf();
        var before = Directory.GetFiles(_tree.DirOf("/wct/abc")).ToDictionary(f => f, File.ReadAllText);

        Assert.True(cg.ApplyDevices([]));
        Assert.True(cg.ApplyDevices([new() { Allow = false, Access = "rwm" }, new() { Allow = true, Access = "rwm" }]));

        Assert.Equal(before, Directory.GetFiles(_tree.DirOf("/wct/abc")).ToDictionary(f => f, File.ReadAllText));
    }

    [Fact]
    public void A_malformed_device_rule_is_refused_as_malformed_even_where_it_would_allow()
    {
        var cg = CreateLeaf();
        var e = Assert.Throws<ArgumentException>(() => cg.ApplyDevices([new() { Allow = true, Type = "x", Access = "rwm" }]));
        Assert.Contains("type \"x\"", e.Message, StringComparison.Ordinal);
    }
}
