namespace Wasmcell.Cgroups;

/// <summary>A v1 cgroup's counters, from cpuacct, cpu, memory and pids; each part is null without its hierarchy.</summary>
public sealed class CgroupV1Stats : CgroupStats
{
    public V1CpuStats? Cpu { get; init; }
    public V1MemoryStats? Memory { get; init; }
    public V1OomControl? MemoryOomControl { get; init; }
}

/// <summary>cpuacct usage in nanoseconds (total, user, kernel, per cpu), and cpu.stat's throttling when the cpu hierarchy exists.</summary>
public sealed class V1CpuStats
{
    public ulong Total { get; init; }
    public ulong User { get; init; }
    public ulong Kernel { get; init; }
    public IReadOnlyList<ulong> PerCpu { get; init; } = [];
    public V1CpuThrottling? Throttling { get; init; }
}

/// <summary>cpu.stat: nr_periods, nr_throttled, throttled_time (ns).</summary>
public sealed class V1CpuThrottling
{
    public ulong Periods { get; init; }
    public ulong ThrottledPeriods { get; init; }
    public ulong ThrottledTime { get; init; }
}

/// <summary>memory.stat's keys (0 when absent) and the counter families of the memory hierarchy.</summary>
public sealed class V1MemoryStats
{
    public ulong Cache { get; init; }
    public ulong Rss { get; init; }
    public ulong RssHuge { get; init; }
    public ulong MappedFile { get; init; }
    public ulong Dirty { get; init; }
    public ulong Writeback { get; init; }
    public ulong PgPgIn { get; init; }
    public ulong PgPgOut { get; init; }
    public ulong PgFault { get; init; }
    public ulong PgMajFault { get; init; }
    public ulong InactiveAnon { get; init; }
    public ulong ActiveAnon { get; init; }
    public ulong InactiveFile { get; init; }
    public ulong ActiveFile { get; init; }
    public ulong Unevictable { get; init; }
    public ulong HierarchicalMemoryLimit { get; init; }
    public ulong HierarchicalSwapLimit { get; init; }
    public ulong TotalCache { get; init; }
    public ulong TotalRss { get; init; }
    public ulong TotalRssHuge { get; init; }
    public ulong TotalMappedFile { get; init; }
    public ulong TotalDirty { get; init; }
    public ulong TotalWriteback { get; init; }
    public ulong TotalPgPgIn { get; init; }
    public ulong TotalPgPgOut { get; init; }
    public ulong TotalPgFault { get; init; }
    public ulong TotalPgMajFault { get; init; }
    public ulong TotalInactiveAnon { get; init; }
    public ulong TotalActiveAnon { get; init; }
    public ulong TotalInactiveFile { get; init; }
    public ulong TotalActiveFile { get; init; }
    public ulong TotalUnevictable { get; init; }
    /// <summary>memory.*: the cgroup's own usage and limit.</summary>
    public V1MemoryCounters Usage { get; init; } = new();
    /// <summary>memory.kmem.*.</summary>
    public V1MemoryCounters Kernel { get; init; } = new();
    /// <summary>memory.kmem.tcp.*.</summary>
    public V1MemoryCounters KernelTcp { get; init; } = new();
    /// <summary>memory.memsw.*; null when the kernel does not account swap.</summary>
    public V1MemoryCounters? Swap { get; init; }
}

/// <summary>The four counters every v1 memory family has: limit_in_bytes, usage_in_bytes, max_usage_in_bytes, failcnt.</summary>
public sealed class V1MemoryCounters
{
    public ulong Limit { get; init; }
    public ulong Usage { get; init; }
    public ulong Max { get; init; }
    public ulong Failcnt { get; init; }
}

/// <summary>memory.oom_control.</summary>
public sealed class V1OomControl
{
    public ulong OomKillDisable { get; init; }
    public ulong UnderOom { get; init; }
    public ulong OomKill { get; init; }
}
