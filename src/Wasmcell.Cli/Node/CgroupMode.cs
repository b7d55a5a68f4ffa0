namespace Wasmcell.Cli.Node;

/// <summary>Which cgroup hierarchy the node has, read from <c>/proc/self/mountinfo</c>.</summary>
internal static class CgroupMode
{
    /// <summary>"v2 (unified)", "v1 (...controllers...)" (+ "hybrid" when an empty v2 is mounted too), or null when none is mounted.</summary>
    public static string? Describe(string mountInfoText)
    {
        var v1Controllers = new List<string>();
        var unifiedAtRoot = false;
        var hybrid = false;
        foreach (var line in mountInfoText.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
            var fields = line.Split(' ');
            var separator = Array.IndexOf(fields, "-");
            if (fields.Length < 5 || separator < 0 || separator + 1 >= fields.Length)
            {
                continue;
            }
            var mountPoint = fields[4];
            var fsType = fields[separator + 1];
            if (fsType == "cgroup2")
            {
                if (mountPoint == "/sys/fs/cgroup")
                {
                    unifiedAtRoot = true;
                }
                else if (mountPoint.StartsWith("/sys/fs/cgroup/", StringComparison.Ordinal))
                {
                    hybrid = true;
                }
            }
            else if (fsType == "cgroup" && mountPoint.StartsWith("/sys/fs/cgroup/", StringComparison.Ordinal))
            {
                v1Controllers.Add(mountPoint["/sys/fs/cgroup/".Length..]);
            }
        }
        if (unifiedAtRoot)
        {
            return "v2 (unified)";
        }
        if (v1Controllers.Count > 0)
        {
            return $"v1{(hybrid ? " hybrid" : "")} ({string.Join(',', v1Controllers)})";
        }
        return null;
    }
}
