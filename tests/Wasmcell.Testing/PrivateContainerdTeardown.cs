namespace Wasmcell.Testing;

/// <summary>
/// Leaves the host as it was (recipe §8): the API first (tasks, containers), then containerd by PID, then
/// crash leftovers (shims of our address, processes in our cgroups, runc records), mounts under our dir,
/// our stale shim sockets, our cgroup parent, the dir. Returns what could not be cleaned.
/// </summary>
public static class PrivateContainerdTeardown
{
    public static async Task<IReadOnlyList<string>> RunAsync(PrivateContainerd env)
    {
        var sockets = OurSocketPaths(env).ToHashSet();
        if (env.ContainerdPid > 0 && IsOurContainerd(env))
        {
            await ContainerdShutdown.RemoveAllAsync(env.Address);
            sockets.UnionWith(OurSocketPaths(env));
            await ContainerdShutdown.StopAsync(env.ContainerdPid);
        }

        // After a crash (or a shim that does not exit, as a lingering shared daemon): shims of our address, SIGTERM
        // first so that a daemon removes its socket (a shared daemon's is named after its group, not a bundle, so
        // the sweep below cannot find it); then whatever is still in our cgroups (cells, runc container processes),
        // then runc's own records.
        await HostProcesses.TerminateAndWaitAsync(HostProcesses.Mentioning($"-address {env.Address}").Select(p => p.Pid), TimeSpan.FromSeconds(2));
        await HostProcesses.KillAndWaitAsync(HostCgroups.Procs(env.CgroupParent));
        if (Directory.Exists(env.RuncRoot))
        {
            foreach (var nsDir in Directory.EnumerateDirectories(env.RuncRoot))
            {
                foreach (var c in Directory.EnumerateDirectories(nsDir))
                {
                    await CommandRunner.RunAsync("runc", ["--root", nsDir, "delete", "--force", Path.GetFileName(c)], TimeSpan.FromSeconds(10));
                }
            }
        }

        var problems = new List<string>();
        foreach (var m in HostMounts.Under(env.Dir).OrderByDescending(m => m.Length))
        {
            var r = await CommandRunner.RunAsync("umount", [m], TimeSpan.FromSeconds(10));
            if (r.ExitCode != 0)
            {
                await CommandRunner.RunAsync("umount", ["-l", m], TimeSpan.FromSeconds(10));
            }
        }

        foreach (var s in sockets.Where(File.Exists))
        {
            if (ShimSocket.HasListener(s))
            {
                problems.Add($"shim socket {s} still has a listener");
            }
            else
            {
                File.Delete(s);
            }
        }

        problems.AddRange(HostCgroups.RemoveTree(env.CgroupParent));

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
        return problems;
    }

    public static IEnumerable<string> OurSocketPaths(PrivateContainerd env) => ShimSocket.OfBundles(env.Dir, env.Address);

    private static bool IsOurContainerd(PrivateContainerd env) => HostProcesses.IsContainerdServing(env.ContainerdPid, env.Address);
}
