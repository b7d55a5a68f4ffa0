using System.Globalization;
using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>
/// Leaves the host as it was (recipe §8, in its order): CRI first (CNI DEL releases veth, netns, IP and libcni
/// cache), then what every private containerd leaves (<see cref="PrivateContainerdTeardown"/>: ctr, containerd
/// by PID, crash leftovers, mounts under our dir, stale shim sockets, cgroups, the dir), then the host network:
/// veths and the bridge, libcni cache entries that mention our dir, the ip_forward sysctl. Returns what could
/// not be cleaned.
/// </summary>
internal static class CriEnvironmentTeardown
{
    private const string CniResults = "/var/lib/cni/results";

    public static async Task<IReadOnlyList<string>> RunAsync(CriEnvironment env, CriClient? cri, bool varLibCniExisted, string? ipForwardBaseline)
    {
        var problems = new List<string>();
        var containerd = env.StartedContainerd;
        if (containerd is not null && cri is not null && containerd.ContainerdPid > 0
            && HostProcesses.IsContainerdServing(containerd.ContainerdPid, containerd.Address))
        {
            try
            {
                await PodLifecycle.RemoveAllAsync(cri);
            }
            catch (Exception e) when (e is Grpc.Core.RpcException or TimeoutException)
            {
                problems.Add($"CRI cleanup failed (continuing with ctr): {e.Message}");
            }
        }
        if (containerd is not null)
        {
            problems.AddRange(await PrivateContainerdTeardown.RunAsync(containerd));
        }

        // Veths vanish with their netns (unmounted above); any still on the bridge go first, then the bridge.
        if (Directory.Exists($"/sys/class/net/{CriEnvironment.Bridge}"))
        {
            foreach (var port in await env.BridgePortsAsync())
            {
                await CommandRunner.RunAsync("ip", ["link", "del", port], TimeSpan.FromSeconds(10));
            }
            var del = await CommandRunner.RunAsync("ip", ["link", "del", CriEnvironment.Bridge], TimeSpan.FromSeconds(10));
            if (del.ExitCode != 0)
            {
                problems.Add($"cannot delete bridge {CriEnvironment.Bridge}: {del.Describe()}");
            }
        }

        // libcni's result cache is hard-coded in containerd 1.6's go-cni and shared with every
        // runtime on the host: delete only entries that mention our dir.
        if (containerd is not null && Directory.Exists(CniResults))
        {
            foreach (var file in Directory.EnumerateFiles(CniResults))
            {
                if (File.ReadAllText(file).Contains(containerd.Dir, StringComparison.Ordinal))
                {
                    File.Delete(file);
                }
            }
        }
        if (!varLibCniExisted)
        {
            // Only if empty: another runtime on the host may have started using it meanwhile.
            foreach (var dir in new[] { CniResults, "/var/lib/cni" })
            {
                try
                {
                    if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any())
                    {
                        Directory.Delete(dir);
                    }
                }
                catch (IOException)
                {
                }
            }
        }

        if (ipForwardBaseline is not null && File.ReadAllText("/proc/sys/net/ipv4/ip_forward").Trim() != ipForwardBaseline)
        {
            await File.WriteAllTextAsync("/proc/sys/net/ipv4/ip_forward", ipForwardBaseline);
            problems.Add($"net.ipv4.ip_forward had changed; restored to {ipForwardBaseline}");
        }
        if (containerd is not null)
        {
            problems.AddRange(HostCgroups.Dirs(containerd.CgroupParent).Select(d => $"cgroup left: {d}"));
        }
        if (Directory.Exists($"/sys/class/net/{CriEnvironment.Bridge}"))
        {
            problems.Add($"bridge {CriEnvironment.Bridge} still exists");
        }
        return problems;
    }
}
