using Wasmcell.Cell.Protocol;
using Wasmcell.Cgroups;
using Wasmcell.Shim.Containers;

namespace Wasmcell.Shim.Tests;

/// <summary>A shared-mode container's usage reaches containerd in the host's cgroup metrics shape, where CRI reads it.</summary>
public sealed class TenantMetricsTests
{
    private static readonly TenantUsage Usage = new(
        CpuNanoseconds: 2_500_000_000, MemoryBytes: 8 << 20, MaxMemoryBytes: 9 << 20, MemoryLimitBytes: 64 << 20,
        Periods: 40, ThrottledPeriods: 30, ThrottledNanoseconds: 1_200_000_000, Threads: 1);

    [Fact]
    public void On_cgroup_v1_cpu_is_cpuacct_total_memory_is_usage_and_rss_and_throttling_is_cpu_stat()
    {
        var m = CgroupMetrics.ToV1((CgroupV1Stats)TenantMetrics.ToStats(Usage, pidsLimit: 10, CgroupMode.V1));

        Assert.Equal(2_500_000_000UL, m.Cpu.Usage.Total);
        Assert.Equal((40UL, 30UL, 1_200_000_000UL), (m.Cpu.Throttling.Periods, m.Cpu.Throttling.ThrottledPeriods, m.Cpu.Throttling.ThrottledTime));
        Assert.Equal((8UL << 20, 9UL << 20, 64UL << 20), (m.Memory.Usage.Usage, m.Memory.Usage.Max, m.Memory.Usage.Limit));
        Assert.Equal(8UL << 20, m.Memory.TotalRss);
        Assert.Equal(0UL, m.Memory.TotalInactiveFile); // CRI's working set is usage minus this
        Assert.Equal((1UL, 10UL), (m.Pids.Current, m.Pids.Limit));
    }

    [Fact]
    public void On_cgroup_v2_cpu_is_in_microseconds_and_no_limit_reads_as_max()
    {
        var m = CgroupMetrics.ToV2((CgroupV2Stats)TenantMetrics.ToStats(Usage with { MemoryLimitBytes = 0 }, pidsLimit: 0, CgroupMode.V2));

        Assert.Equal((2_500_000UL, 40UL, 30UL, 1_200_000UL), (m.Cpu.UsageUsec, m.Cpu.NrPeriods, m.Cpu.NrThrottled, m.Cpu.ThrottledUsec));
        Assert.Equal((8UL << 20, 9UL << 20, ulong.MaxValue), (m.Memory.Usage, m.Memory.MaxUsage, m.Memory.UsageLimit));
        Assert.Equal(0UL, m.Memory.InactiveFile);
        Assert.Equal((1UL, 0UL), (m.Pids.Current, m.Pids.Limit));
    }
}
