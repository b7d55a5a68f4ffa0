namespace Wasmcell.IntegrationTests.Cri;

/// <summary>
/// What kubelet decides about a pod on its node and the manifest does not say: the pod UID, the
/// log directory, the cgroup parent; plus the tests' image rewrites (manifest images name a real
/// registry; the test environment imports them under local names).
/// </summary>
internal sealed record PodPlacement(string Uid, string LogDirectory, string CgroupParent)
{
    /// <summary>Rewrites a manifest's image reference (identity when null).</summary>
    public Func<string, string>? ImageMap { get; init; }

    /// <summary>Pod name to use instead of the manifest's (tests run several copies of one manifest).</summary>
    public string? PodName { get; init; }

    public uint Attempt { get; init; }

    /// <summary>Node memory for the Burstable oom_score_adj formula; fixed so translation does not depend on the host.</summary>
    public long NodeMemoryBytes { get; init; } = 16L << 30;

    /// <summary>kubelet's layout: <c>/var/log/pods/&lt;namespace&gt;_&lt;name&gt;_&lt;uid&gt;</c>.</summary>
    public static string KubeletLogDirectory(string root, string @namespace, string name, string uid) =>
        Path.Combine(root, $"{@namespace}_{name}_{uid}");
}
