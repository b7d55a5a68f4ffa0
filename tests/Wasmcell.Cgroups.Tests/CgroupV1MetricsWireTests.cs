using Google.Protobuf;
using Wasmcell.Protos.Cgroups.V1;

namespace Wasmcell.Cgroups.Tests;

public sealed class CgroupV1MetricsWireTests
{
    [Fact]
    public void The_fields_CRI_reads_have_the_upstream_field_numbers()
    {
        var m = new Metrics
        {
            Cpu = new CPUStat { Usage = new CPUUsage { Total = 1 } },
            Memory = new MemoryStat { TotalInactiveFile = 2, Usage = new MemoryEntry { Usage = 3 } },
            Pids = new PidsStat { Current = 4 },
            MemoryOomControl = new MemoryOomControl { OomKill = 5 },
        };
        // pids = 2 {current = 1}; cpu = 3 {usage = 1 {total = 1}}; memory = 4 {total_inactive_file = 30,
        // usage = 33 {usage = 2}}; memory_oom_control = 9 {oom_kill = 3}.
        var expected = new byte[]
        {
            0x12, 0x02, 0x08, 0x04,
            0x1a, 0x04, 0x0a, 0x02, 0x08, 0x01,
            0x22, 0x08, 0xf0, 0x01, 0x02, 0x8a, 0x02, 0x02, 0x10, 0x03,
            0x4a, 0x02, 0x18, 0x05,
        };
        Assert.Equal(expected, m.ToByteArray());
    }
}
