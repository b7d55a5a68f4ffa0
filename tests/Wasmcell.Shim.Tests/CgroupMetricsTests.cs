using Google.Protobuf;
using Wasmcell.Cgroups;
using Wasmcell.Shim.Containers;

namespace Wasmcell.Shim.Tests;

/// <summary>
/// The Stats RPC's payload is what containerd decodes: its Any must carry the bare type URL and the
/// upstream field numbers, or CRI's ListContainerStats fails for the whole node.
/// </summary>
public sealed class CgroupMetricsTests
{
    [Fact]
    public void V1_stats_become_a_v1_Metrics_Any_with_the_upstream_field_numbers_CRI_reads()
    {
        var stats = new CgroupV1Stats
        {
            Cpu = new V1CpuStats { Total = 1 },
            Memory = new V1MemoryStats { TotalInactiveFile = 2, Usage = new V1MemoryCounters { Usage = 3 } },
            Pids = new PidsStats { Current = 4 },
            MemoryOomControl = new V1OomControl { OomKill = 5 },
        };

        var any = CgroupMetrics.ToAny(stats);

        // pids = 2 {current = 1}; cpu = 3 {usage = 1 {total = 1}}; memory = 4 {total_inactive_file = 30,
        // usage = 33 {usage = 2}, kernel = 35 {}, kernel_tcp = 36 {}}; memory_oom_control = 9 {oom_kill = 3}.
        var expected = new byte[]
        {
            0x12, 0x02, 0x08, 0x04,
            0x1a, 0x04, 0x0a, 0x02, 0x08, 0x01,
            0x22, 0x0e, 0xf0, 0x01, 0x02, 0x8a, 0x02, 0x02, 0x10, 0x03, 0x9a, 0x02, 0x00, 0xa2, 0x02, 0x00,
            0x4a, 0x02, 0x18, 0x05,
        };
        Assert.Equal("io.containerd.cgroups.v1.Metrics", any.TypeUrl);
        Assert.Equal(expected, any.Value.ToByteArray());
    }

    [Fact]
    public void V2_stats_become_a_v2_Metrics_Any_with_the_upstream_field_numbers()
    {
        var stats = new CgroupV2Stats
        {
            Cpu = new V2CpuStats { UsageUsec = 1 },
            Memory = new V2MemoryStats { Usage = 2, InactiveFile = 3 },
            MemoryEvents = new V2MemoryEvents { OomKill = 4 },
        };

        var any = CgroupMetrics.ToAny(stats);

        // Metrics.cpu = 2, CPUStat.usage_usec = 1; Metrics.memory = 4, MemoryStat.inactive_file = 13, usage = 32;
        // Metrics.memory_events = 8, MemoryEvents.oom_kill = 5.
        var expected = new byte[]
        {
            0x12, 0x02, 0x08, 0x01,
            0x22, 0x05, 0x68, 0x03, 0x80, 0x02, 0x02,
            0x42, 0x02, 0x28, 0x04,
        };
        Assert.Equal("io.containerd.cgroups.v2.Metrics", any.TypeUrl);
        Assert.Equal(expected, any.Value.ToByteArray());
    }

    [Fact]
    public void Every_v1_field_read_reaches_the_message()
    {
        var stats = new CgroupV1Stats
        {
            Pids = new PidsStats { Current = 3, Limit = 50 },
            Cpu = new V1CpuStats
            {
                Total = 10,
                User = 6,
                Kernel = 4,
                PerCpu = [7, 3],
                Throttling = new V1CpuThrottling { Periods = 8, ThrottledPeriods = 2, ThrottledTime = 900 },
            },
            Memory = new V1MemoryStats
            {
                Cache = 11,
                Rss = 12,
                TotalRss = 13,
                TotalPgMajFault = 14,
                HierarchicalMemoryLimit = 15,
                Usage = new V1MemoryCounters { Limit = 16, Usage = 17, Max = 18, Failcnt = 19 },
                Kernel = new V1MemoryCounters { Usage = 20 },
                KernelTcp = new V1MemoryCounters { Usage = 21 },
                Swap = new V1MemoryCounters { Limit = 22 },
            },
            MemoryOomControl = new V1OomControl { OomKillDisable = 1, UnderOom = 1, OomKill = 2 },
        };

        var m = CgroupMetrics.ToV1(stats);

        Assert.Equal((3UL, 50UL), (m.Pids.Current, m.Pids.Limit));
        Assert.Equal((10UL, 6UL, 4UL), (m.Cpu.Usage.Total, m.Cpu.Usage.User, m.Cpu.Usage.Kernel));
        Assert.Equal([7UL, 3UL], m.Cpu.Usage.PerCpu);
        Assert.Equal((8UL, 2UL, 900UL), (m.Cpu.Throttling.Periods, m.Cpu.Throttling.ThrottledPeriods, m.Cpu.Throttling.ThrottledTime));
        Assert.Equal((11UL, 12UL, 13UL, 14UL, 15UL),
            (m.Memory.Cache, m.Memory.Rss, m.Memory.TotalRss, m.Memory.TotalPgMajFault, m.Memory.HierarchicalMemoryLimit));
        Assert.Equal((16UL, 17UL, 18UL, 19UL), (m.Memory.Usage.Limit, m.Memory.Usage.Usage, m.Memory.Usage.Max, m.Memory.Usage.Failcnt));
        Assert.Equal(20UL, m.Memory.Kernel.Usage);
        Assert.Equal(21UL, m.Memory.KernelTcp.Usage);
        Assert.Equal(22UL, m.Memory.Swap.Limit);
        Assert.Equal((1UL, 1UL, 2UL), (m.MemoryOomControl.OomKillDisable, m.MemoryOomControl.UnderOom, m.MemoryOomControl.OomKill));
    }

    [Fact]
    public void Parts_a_cgroup_lacks_stay_absent_from_the_message()
    {
        var v1 = CgroupMetrics.ToV1(new CgroupV1Stats { Pids = new PidsStats { Current = 1 } });
        var v2 = CgroupMetrics.ToV2(new CgroupV2Stats());

        Assert.Null(v1.Cpu);
        Assert.Null(v1.Memory);
        Assert.Null(v1.MemoryOomControl);
        Assert.Equal(1UL, v1.Pids.Current);
        Assert.Equal(0, v2.CalculateSize());
    }
}
