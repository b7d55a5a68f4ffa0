namespace Wasmcell.Cgroups;

/// <summary>A v2 cgroup's counters; each part is null when its files are missing.</summary>
public sealed class CgroupV2Stats : CgroupStats
{
    public V2CpuStats? Cpu { get; init; }
    public V2MemoryStats? Memory { get; init; }
    public V2MemoryEvents? MemoryEvents { get; init; }
}

/// <summary>cpu.stat, in microseconds.</summary>
public sealed class V2CpuStats
{
    public ulong UsageUsec { get; init; }
    public ulong UserUsec { get; init; }
    public ulong SystemUsec { get; init; }
    public ulong NrPeriods { get; init; }
    public ulong NrThrottled { get; init; }
    public ulong ThrottledUsec { get; init; }
}

/// <summary>memory.stat's keys (0 when absent), and memory.current/max/peak and the swap files.</summary>
public sealed class V2MemoryStats
{
    public ulong Anon { get; init; }
    public ulong File { get; init; }
    public ulong KernelStack { get; init; }
    public ulong Slab { get; init; }
    public ulong Sock { get; init; }
    public ulong Shmem { get; init; }
    public ulong FileMapped { get; init; }
    public ulong FileDirty { get; init; }
    public ulong FileWriteback { get; init; }
    public ulong AnonThp { get; init; }
    public ulong InactiveAnon { get; init; }
    public ulong ActiveAnon { get; init; }
    public ulong InactiveFile { get; init; }
    public ulong ActiveFile { get; init; }
    public ulong Unevictable { get; init; }
    public ulong SlabReclaimable { get; init; }
    public ulong SlabUnreclaimable { get; init; }
    public ulong Pgfault { get; init; }
    public ulong Pgmajfault { get; init; }
    public ulong WorkingsetRefault { get; init; }
    public ulong WorkingsetActivate { get; init; }
    public ulong WorkingsetNodereclaim { get; init; }
    public ulong Pgrefill { get; init; }
    public ulong Pgscan { get; init; }
    public ulong Pgsteal { get; init; }
    public ulong Pgactivate { get; init; }
    public ulong Pgdeactivate { get; init; }
    public ulong Pglazyfree { get; init; }
    public ulong Pglazyfreed { get; init; }
    public ulong ThpFaultAlloc { get; init; }
    public ulong ThpCollapseAlloc { get; init; }
    public ulong Usage { get; init; }
    /// <summary>memory.max; "max" is <see cref="ulong.MaxValue"/>, as containerd reports it.</summary>
    public ulong UsageLimit { get; init; }
    public ulong SwapUsage { get; init; }
    public ulong SwapLimit { get; init; }
    public ulong MaxUsage { get; init; }
    public ulong SwapMaxUsage { get; init; }
}

/// <summary>memory.events.</summary>
public sealed class V2MemoryEvents
{
    public ulong Low { get; init; }
    public ulong High { get; init; }
    public ulong Max { get; init; }
    public ulong Oom { get; init; }
    public ulong OomKill { get; init; }
}
