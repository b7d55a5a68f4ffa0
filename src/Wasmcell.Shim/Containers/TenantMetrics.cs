using Wasmcell.Cell.Protocol;
using Wasmcell.Cgroups;

namespace Wasmcell.Shim.Containers;

/// <summary>
/// A shared-mode container's usage (measured by its shared cell, TenantUsage) in the shape of the host's cgroup
/// stats, so that Stats answers it as containerd and CRI read any container: CPU is its guest thread's time (not
/// split into user and system), memory its linear memory (rss; no page cache of its own), pids its one guest thread.
/// </summary>
public static class TenantMetrics
{
    public static CgroupStats ToStats(TenantUsage usage, ulong pidsLimit, CgroupMode mode)
    {
        var pids = new PidsStats { Current = (ulong)usage.Threads, Limit = pidsLimit };
        var limit = usage.MemoryLimitBytes > 0 ? (ulong)usage.MemoryLimitBytes : ulong.MaxValue;
        var memory = (ulong)usage.MemoryBytes;
        return mode switch
        {
            CgroupMode.V1 => new CgroupV1Stats
            {
                Pids = pids,
                Cpu = new V1CpuStats
                {
                    Total = (ulong)usage.CpuNanoseconds,
                    Throttling = new V1CpuThrottling
                    {
                        Periods = (ulong)usage.Periods,
                        ThrottledPeriods = (ulong)usage.ThrottledPeriods,
                        ThrottledTime = (ulong)usage.ThrottledNanoseconds,
                    },
                },
                Memory = new V1MemoryStats
                {
                    Rss = memory,
                    TotalRss = memory,
                    HierarchicalMemoryLimit = limit,
                    Usage = new V1MemoryCounters { Usage = memory, Max = (ulong)usage.MaxMemoryBytes, Limit = limit },
                },
            },
            _ => new CgroupV2Stats
            {
                Pids = pids,
                Cpu = new V2CpuStats
                {
                    UsageUsec = (ulong)usage.CpuNanoseconds / 1000,
                    NrPeriods = (ulong)usage.Periods,
                    NrThrottled = (ulong)usage.ThrottledPeriods,
                    ThrottledUsec = (ulong)usage.ThrottledNanoseconds / 1000,
                },
                Memory = new V2MemoryStats { Anon = memory, Usage = memory, UsageLimit = limit, MaxUsage = (ulong)usage.MaxMemoryBytes },
            },
        };
    }
}
