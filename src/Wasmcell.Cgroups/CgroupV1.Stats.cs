namespace Wasmcell.Cgroups;

/// <summary>
/// Stats from v1 files (the Stats RPC). CRI reads cpu.usage.total (usage_core_nano_seconds),
/// memory.usage.usage - memory.total_inactive_file (working_set_bytes), hierarchical_memory_limit
/// (available_bytes), total_rss and total_pg(maj)_fault.
/// </summary>
public sealed partial class CgroupV1
{
    // /proc and cpuacct.stat count in USER_HZ, which the kernel ABI fixes at 100 on every architecture.
    private const ulong NanosecondsPerUserHzTick = 1_000_000_000 / 100;

    public CgroupStats Stats()
    {
        var memory = DirOf("memory");
        return new CgroupV1Stats
        {
            Pids = DirOf("pids") is { } pids ? PidsStatsOf(pids) : null,
            Cpu = DirOf("cpuacct") is { } cpuacct ? CpuStats(cpuacct, DirOf("cpu")) : null,
            Memory = memory is null ? null : MemoryStats(memory),
            MemoryOomControl = memory is null ? null : OomControl(memory),
        };
    }

    private static PidsStats PidsStatsOf(string dir)
    {
        var limit = CgroupFile.TryReadUInt64(System.IO.Path.Combine(dir, "pids.max")) ?? ulong.MaxValue;
        return new PidsStats
        {
            Current = CgroupFile.TryReadUInt64(System.IO.Path.Combine(dir, "pids.current")) ?? 0,
            Limit = limit == ulong.MaxValue ? 0 : limit, // containerd reports "max" as 0
        };
    }

    private static V1CpuStats CpuStats(string cpuacctDir, string? cpuDir)
    {
        var ticks = CgroupFile.TryReadKeyed(System.IO.Path.Combine(cpuacctDir, "cpuacct.stat"));
        var perCpu = new List<ulong>();
        if (CgroupFile.TryRead(System.IO.Path.Combine(cpuacctDir, "cpuacct.usage_percpu")) is { } line)
        {
            foreach (var v in line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                perCpu.Add(CgroupFile.ParseUInt64(v));
            }
        }
        V1CpuThrottling? throttling = null;
        if (cpuDir is not null)
        {
            var cpu = CgroupFile.TryReadKeyed(System.IO.Path.Combine(cpuDir, "cpu.stat"));
            throttling = new V1CpuThrottling
            {
                Periods = cpu.GetValueOrDefault("nr_periods"),
                ThrottledPeriods = cpu.GetValueOrDefault("nr_throttled"),
                ThrottledTime = cpu.GetValueOrDefault("throttled_time"),
            };
        }
        return new V1CpuStats
        {
            Total = CgroupFile.TryReadUInt64(System.IO.Path.Combine(cpuacctDir, "cpuacct.usage")) ?? 0,
            User = ticks.GetValueOrDefault("user") * NanosecondsPerUserHzTick,
            Kernel = ticks.GetValueOrDefault("system") * NanosecondsPerUserHzTick,
            PerCpu = perCpu,
            Throttling = throttling,
        };
    }

    private static V1MemoryStats MemoryStats(string dir)
    {
        var s = CgroupFile.TryReadKeyed(System.IO.Path.Combine(dir, "memory.stat"));
        return new V1MemoryStats
        {
            Cache = s.GetValueOrDefault("cache"),
            Rss = s.GetValueOrDefault("rss"),
            RssHuge = s.GetValueOrDefault("rss_huge"),
            MappedFile = s.GetValueOrDefault("mapped_file"),
            Dirty = s.GetValueOrDefault("dirty"),
            Writeback = s.GetValueOrDefault("writeback"),
            PgPgIn = s.GetValueOrDefault("pgpgin"),
            PgPgOut = s.GetValueOrDefault("pgpgout"),
            PgFault = s.GetValueOrDefault("pgfault"),
            PgMajFault = s.GetValueOrDefault("pgmajfault"),
            InactiveAnon = s.GetValueOrDefault("inactive_anon"),
            ActiveAnon = s.GetValueOrDefault("active_anon"),
            InactiveFile = s.GetValueOrDefault("inactive_file"),
            ActiveFile = s.GetValueOrDefault("active_file"),
            Unevictable = s.GetValueOrDefault("unevictable"),
            HierarchicalMemoryLimit = s.GetValueOrDefault("hierarchical_memory_limit"),
            HierarchicalSwapLimit = s.GetValueOrDefault("hierarchical_memsw_limit"),
            TotalCache = s.GetValueOrDefault("total_cache"),
            TotalRss = s.GetValueOrDefault("total_rss"),
            TotalRssHuge = s.GetValueOrDefault("total_rss_huge"),
            TotalMappedFile = s.GetValueOrDefault("total_mapped_file"),
            TotalDirty = s.GetValueOrDefault("total_dirty"),
            TotalWriteback = s.GetValueOrDefault("total_writeback"),
            TotalPgPgIn = s.GetValueOrDefault("total_pgpgin"),
            TotalPgPgOut = s.GetValueOrDefault("total_pgpgout"),
            TotalPgFault = s.GetValueOrDefault("total_pgfault"),
            TotalPgMajFault = s.GetValueOrDefault("total_pgmajfault"),
            TotalInactiveAnon = s.GetValueOrDefault("total_inactive_anon"),
            TotalActiveAnon = s.GetValueOrDefault("total_active_anon"),
            TotalInactiveFile = s.GetValueOrDefault("total_inactive_file"),
            TotalActiveFile = s.GetValueOrDefault("total_active_file"),
            TotalUnevictable = s.GetValueOrDefault("total_unevictable"),
            Usage = Entry(dir, "memory."),
            Kernel = Entry(dir, "memory.kmem."),
            KernelTcp = Entry(dir, "memory.kmem.tcp."),
            Swap = File.Exists(System.IO.Path.Combine(dir, "memory.memsw.usage_in_bytes")) ? Entry(dir, "memory.memsw.") : null,
        };
    }

    /// <summary>The four counters every v1 memory family has: &lt;prefix&gt;{limit_in_bytes,usage_in_bytes,max_usage_in_bytes,failcnt}.</summary>
    private static V1MemoryCounters Entry(string dir, string prefix) => new()
    {
        Limit = CgroupFile.TryReadUInt64(System.IO.Path.Combine(dir, prefix + "limit_in_bytes")) ?? 0,
        Usage = CgroupFile.TryReadUInt64(System.IO.Path.Combine(dir, prefix + "usage_in_bytes")) ?? 0,
        Max = CgroupFile.TryReadUInt64(System.IO.Path.Combine(dir, prefix + "max_usage_in_bytes")) ?? 0,
        Failcnt = CgroupFile.TryReadUInt64(System.IO.Path.Combine(dir, prefix + "failcnt")) ?? 0,
    };

    private static V1OomControl OomControl(string dir)
    {
        var c = CgroupFile.TryReadKeyed(System.IO.Path.Combine(dir, "memory.oom_control"));
        return new V1OomControl
        {
            OomKillDisable = c.GetValueOrDefault("oom_kill_disable"),
            UnderOom = c.GetValueOrDefault("under_oom"),
            OomKill = c.GetValueOrDefault("oom_kill"),
        };
    }
}
