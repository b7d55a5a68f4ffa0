using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Wasmcell.Cgroups;
using V1 = Wasmcell.Protos.Cgroups.V1;
using V2 = Wasmcell.Protos.Cgroups.V2;

namespace Wasmcell.Shim.Containers;

/// <summary>
/// A cgroup's <see cref="CgroupStats"/> as the Stats RPC answers them: containerd's cgroups v1 or v2
/// Metrics message inside an Any. The type URL is the bare proto name: containerd resolves it through its
/// typeurl registry, and any other URL fails CRI's ListContainerStats for the whole node (SPEC §8 item 21).
/// </summary>
public static class CgroupMetrics
{
    public const string V1TypeUrl = "io.containerd.cgroups.v1.Metrics";
    public const string V2TypeUrl = "io.containerd.cgroups.v2.Metrics";

    public static Any ToAny(CgroupStats stats) => stats switch
    {
        CgroupV1Stats v1 => new Any { TypeUrl = V1TypeUrl, Value = ToV1(v1).ToByteString() },
        CgroupV2Stats v2 => new Any { TypeUrl = V2TypeUrl, Value = ToV2(v2).ToByteString() },
        _ => throw new ArgumentException($"no metrics message for {stats.GetType().Name}", nameof(stats)),
    };

    public static V1.Metrics ToV1(CgroupV1Stats stats)
    {
        var metrics = new V1.Metrics();
        if (stats.Pids is { } pids)
        {
            metrics.Pids = new V1.PidsStat { Current = pids.Current, Limit = pids.Limit };
        }
        if (stats.Cpu is { } cpu)
        {
            var usage = new V1.CPUUsage { Total = cpu.Total, User = cpu.User, Kernel = cpu.Kernel };
            usage.PerCpu.Add(cpu.PerCpu);
            metrics.Cpu = new V1.CPUStat { Usage = usage };
            if (cpu.Throttling is { } t)
            {
                metrics.Cpu.Throttling = new V1.Throttle { Periods = t.Periods, ThrottledPeriods = t.ThrottledPeriods, ThrottledTime = t.ThrottledTime };
            }
        }
        if (stats.Memory is { } memory)
        {
            metrics.Memory = ToV1(memory);
        }
        if (stats.MemoryOomControl is { } oom)
        {
            metrics.MemoryOomControl = new V1.MemoryOomControl { OomKillDisable = oom.OomKillDisable, UnderOom = oom.UnderOom, OomKill = oom.OomKill };
        }
        return metrics;
    }

    private static V1.MemoryStat ToV1(V1MemoryStats m)
    {
        var stat = new V1.MemoryStat
        {
            Cache = m.Cache,
            Rss = m.Rss,
            RssHuge = m.RssHuge,
            MappedFile = m.MappedFile,
            Dirty = m.Dirty,
            Writeback = m.Writeback,
            PgPgIn = m.PgPgIn,
            PgPgOut = m.PgPgOut,
            PgFault = m.PgFault,
            PgMajFault = m.PgMajFault,
            InactiveAnon = m.InactiveAnon,
            ActiveAnon = m.ActiveAnon,
            InactiveFile = m.InactiveFile,
            ActiveFile = m.ActiveFile,
            Unevictable = m.Unevictable,
            HierarchicalMemoryLimit = m.HierarchicalMemoryLimit,
            HierarchicalSwapLimit = m.HierarchicalSwapLimit,
            TotalCache = m.TotalCache,
            TotalRss = m.TotalRss,
            TotalRssHuge = m.TotalRssHuge,
            TotalMappedFile = m.TotalMappedFile,
            TotalDirty = m.TotalDirty,
            TotalWriteback = m.TotalWriteback,
            TotalPgPgIn = m.TotalPgPgIn,
            TotalPgPgOut = m.TotalPgPgOut,
            TotalPgFault = m.TotalPgFault,
            TotalPgMajFault = m.TotalPgMajFault,
            TotalInactiveAnon = m.TotalInactiveAnon,
            TotalActiveAnon = m.TotalActiveAnon,
            TotalInactiveFile = m.TotalInactiveFile,
            TotalActiveFile = m.TotalActiveFile,
            TotalUnevictable = m.TotalUnevictable,
            Usage = ToV1(m.Usage),
            Kernel = ToV1(m.Kernel),
            KernelTcp = ToV1(m.KernelTcp),
        };
        if (m.Swap is { } swap)
        {
            stat.Swap = ToV1(swap);
        }
        return stat;
    }

    private static V1.MemoryEntry ToV1(V1MemoryCounters c) => new() { Limit = c.Limit, Usage = c.Usage, Max = c.Max, Failcnt = c.Failcnt };

    public static V2.Metrics ToV2(CgroupV2Stats stats)
    {
        var metrics = new V2.Metrics();
        if (stats.Pids is { } pids)
        {
            metrics.Pids = new V2.PidsStat { Current = pids.Current, Limit = pids.Limit };
        }
        if (stats.Cpu is { } c)
        {
            metrics.Cpu = new V2.CPUStat
            {
                UsageUsec = c.UsageUsec,
                UserUsec = c.UserUsec,
                SystemUsec = c.SystemUsec,
                NrPeriods = c.NrPeriods,
                NrThrottled = c.NrThrottled,
                ThrottledUsec = c.ThrottledUsec,
            };
        }
        if (stats.Memory is { } m)
        {
            metrics.Memory = new V2.MemoryStat
            {
                Anon = m.Anon,
                File = m.File,
                KernelStack = m.KernelStack,
                Slab = m.Slab,
                Sock = m.Sock,
                Shmem = m.Shmem,
                FileMapped = m.FileMapped,
                FileDirty = m.FileDirty,
                FileWriteback = m.FileWriteback,
                AnonThp = m.AnonThp,
                InactiveAnon = m.InactiveAnon,
                ActiveAnon = m.ActiveAnon,
                InactiveFile = m.InactiveFile,
                ActiveFile = m.ActiveFile,
                Unevictable = m.Unevictable,
                SlabReclaimable = m.SlabReclaimable,
                SlabUnreclaimable = m.SlabUnreclaimable,
                Pgfault = m.Pgfault,
                Pgmajfault = m.Pgmajfault,
                WorkingsetRefault = m.WorkingsetRefault,
                WorkingsetActivate = m.WorkingsetActivate,
                WorkingsetNodereclaim = m.WorkingsetNodereclaim,
                Pgrefill = m.Pgrefill,
                Pgscan = m.Pgscan,
                Pgsteal = m.Pgsteal,
                Pgactivate = m.Pgactivate,
                Pgdeactivate = m.Pgdeactivate,
                Pglazyfree = m.Pglazyfree,
                Pglazyfreed = m.Pglazyfreed,
                ThpFaultAlloc = m.ThpFaultAlloc,
                ThpCollapseAlloc = m.ThpCollapseAlloc,
                Usage = m.Usage,
                UsageLimit = m.UsageLimit,
                SwapUsage = m.SwapUsage,
                SwapLimit = m.SwapLimit,
                MaxUsage = m.MaxUsage,
                SwapMaxUsage = m.SwapMaxUsage,
            };
        }
        if (stats.MemoryEvents is { } e)
        {
            metrics.MemoryEvents = new V2.MemoryEvents { Low = e.Low, High = e.High, Max = e.Max, Oom = e.Oom, OomKill = e.OomKill };
        }
        return metrics;
    }
}
