using System.Globalization;
using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>
/// Leaves the host as it was (recipe §8, in its order): CRI first (CNI DEL releases veth, netns, IP
/// and libcni cache), then ctr, then containerd by PID, then crash leftovers (shims of our address,
/// processes in our cgroups, runc records), mounts under our dir, veths and the bridge, libcni cache
/// entries that mention our dir, cgroup parents, sysctl, stale shim sockets, the dir. Returns what
/// could not be cleaned.
/// </summary>
internal static class CriEnvironmentTeardown
{
    private const string CniResults = "/var/lib/cni/results";

    public static async Task<IReadOnlyList<string>> RunAsync(CriEnvironment env, CriClient? cri, bool varLibCniExisted, string? ipForwardBaseline)
    {
        var problems = new List<string>();
        var running = env.ContainerdPid > 0 && IsOurContainerd(env);
        if (running && cri is not null)
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

        var sockets = OurSocketPaths(env).ToHashSet();
        if (running)
        {
            await ContainerdShutdown.RemoveAllAsync(env.Address);
            sockets.UnionWith(OurSocketPaths(env));
            await ContainerdShutdown.StopAsync(env.ContainerdPid);
        }

        // After a crash: shims of our address, whatever is still in our cgroups, runc's records.
        await HostProcesses.KillAndWaitAsync(HostProcesses.Mentioning($"-address {env.Address}").Select(p => p.Pid));
        await HostProcesses.KillAndWaitAsync(HostCgroups.Procs(env.CgroupParent));
        if (Directory.Exists(env.RuncRoot))
        {
            foreach (var nsDir in Directory.EnumerateDirectories(env.RuncRoot))
            {
                foreach (var container in Directory.EnumerateDirectories(nsDir))
                {
                    await CommandRunner.RunAsync("runc", ["--root", nsDir, "delete", "--force", Path.GetFileName(container)], TimeSpan.FromSeconds(10));
                }
            }
        }

        // Deepest first: overlay rootfs, sandbox shm, netns bind mounts.
        foreach (var mount in HostMounts.Under(env.Dir).OrderByDescending(m => m.Length))
        {
            var r = await CommandRunner.RunAsync("umount", [mount], TimeSpan.FromSeconds(10));
            if (r.ExitCode != 0)
            {
                await CommandRunner.RunAsync("umount", ["-l", mount], TimeSpan.FromSeconds(10));
            }
        }

        // Veths vanish with their netns; any still on the bridge go first, then the bridge itself.
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
        if (Directory.Exists(CniResults))
        {
            foreach (var file in Directory.EnumerateFiles(CniResults))
            {
                if (File.ReadAllText(file).Contains(env.Dir, StringComparison.Ordinal))
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

        problems.AddRange(HostCgroups.RemoveTree(env.CgroupParent));

        if (ipForwardBaseline is not null && File.ReadAllText("/proc/sys/net/ipv4/ip_forward").Trim() != ipForwardBaseline)
        {
            await File.WriteAllTextAsync("/proc/sys/net/ipv4/ip_forward", ipForwardBaseline);
            problems.Add($"net.ipv4.ip_forward had changed; restored to {ipForwardBaseline}");
        }

        foreach (var socket in sockets.Where(File.Exists))
        {
            if (ShimSocket.HasListener(socket))
            {
                problems.Add($"shim socket {socket} still has a listener");
            }
            else
            {
                File.Delete(socket);
            }
        }

        try
        {
            if (Directory.Exists(env.Dir))
            {
                Directory.Delete(env.Dir, recursive: true);
            }
        }
        catch (IOException e)
        {
            problems.Add($"cannot remove {env.Dir}: {e.Message}");
        }

        problems.AddRange(HostProcesses.Mentioning(env.Dir).Select(p => $"process {p.Pid} still running: {p.Cmdline}"));
        problems.AddRange(HostMounts.Under(env.Dir).Select(m => $"still mounted: {m}"));
        problems.AddRange(HostCgroups.Dirs(env.CgroupParent).Select(d => $"cgroup left: {d}"));
        if (Directory.Exists($"/sys/class/net/{CriEnvironment.Bridge}"))
        {
            problems.Add($"bridge {CriEnvironment.Bridge} still exists");
        }
        return problems;
    }

    internal static IEnumerable<string> OurSocketPaths(CriEnvironment env) => ShimSocket.OfBundles(env.Dir, env.Address);

    private static bool IsOurContainerd(CriEnvironment env) => HostProcesses.IsContainerdServing(env.ContainerdPid, env.Address);
}
