namespace Wasmcell.Cgroups;

/// <summary>
/// Type URLs of the Stats Any. containerd resolves them through its typeurl registry by the bare proto
/// name; any other URL fails CRI's ListContainerStats for the whole node (SPEC §8 item 21).
/// </summary>
public static class CgroupMetricTypes
{
    public const string V1 = "io.containerd.cgroups.v1.Metrics";
    public const string V2 = "io.containerd.cgroups.v2.Metrics";
}
