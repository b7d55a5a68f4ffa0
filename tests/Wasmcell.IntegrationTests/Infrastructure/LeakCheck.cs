namespace Wasmcell.IntegrationTests.Infrastructure;

/// <summary>
/// What must be gone once containers are deleted: shim and container processes, mounts under our dir,
/// shim sockets derived from our address, bundles, cgroups, FIFOs, and the tasks and containers themselves.
/// </summary>
internal static class LeakCheck
{
    /// <summary>
    /// Polls until nothing of <paramref name="ids"/> is left (cleanup is asynchronous: the shim exits after
    /// Shutdown, containerd runs `delete` after that) or <paramref name="settle"/> passes; returns what is left.
    /// </summary>
    /// <param name="tolerate">Leftovers a caller expects and handles itself (not waited for, not returned).</param>
    public static async Task<IReadOnlyList<string>> LeftoversAsync(
        PrivateContainerd env, IReadOnlyCollection<string> ids, TimeSpan? settle = null, Func<string, bool>? tolerate = null)
    {
        var deadline = DateTime.UtcNow + (settle ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var left = (await LookAsync(env, ids)).Where(l => tolerate?.Invoke(l) != true).ToList();
            if (left.Count == 0 || DateTime.UtcNow > deadline)
            {
                return left;
            }

            await Task.Delay(100);
        }
    }

    public static string Describe(IReadOnlyList<string> leftovers) =>
        leftovers.Count == 0 ? "nothing left" : $"{leftovers.Count} leftovers:\n" + string.Join('\n', leftovers.Take(40));

    private static async Task<IReadOnlyList<string>> LookAsync(PrivateContainerd env, IReadOnlyCollection<string> ids)
    {
        var left = new List<string>();
        foreach (var (pid, cmd) in HostProcesses.Mentioning(env.Dir, env.ContainerdPid))
        {
            left.Add($"process {pid}: {cmd}");
        }

        foreach (var m in HostMounts.Under(env.Dir))
        {
            left.Add($"mount {m}");
        }

        var tasks = (await env.Ctr.TasksAsync()).Where(t => ids.Contains(t.Id));
        left.AddRange(tasks.Select(t => $"task {t.Id} ({t.Status}, pid {t.Pid})"));
        left.AddRange((await env.Ctr.ContainerIdsAsync()).Where(ids.Contains).Select(id => $"container {id}"));

        foreach (var id in ids)
        {
            var socket = env.ShimSocketOf(id);
            if (File.Exists(socket))
            {
                left.Add($"shim socket {socket} of {id}{(ShimSocket.HasListener(socket) ? " (listening)" : " (stale)")}");
            }

            var bundle = Path.Combine(env.BundlesDir, id);
            if (Directory.Exists(bundle))
            {
                left.Add($"bundle {bundle}");
            }

            foreach (var pid in HostCgroups.Procs(env.CgroupOf(id)))
            {
                left.Add($"process {pid} in cgroup {env.CgroupOf(id)}: {HostProcesses.Cmdline(pid)}");
            }

            foreach (var d in HostCgroups.Dirs(env.CgroupOf(id)))
            {
                left.Add($"cgroup {d}");
            }
        }

        try
        {
            var fifos = Directory.Exists(env.FifoDir) ? Directory.EnumerateFileSystemEntries(env.FifoDir, "*", SearchOption.AllDirectories) : [];
            foreach (var f in fifos)
            {
                if (ids.Any(id => Path.GetFileName(f).StartsWith(id + "-", StringComparison.Ordinal)))
                {
                    left.Add($"fifo {f}");
                }
            }
        }
        catch (IOException e)
        {
            left.Add($"fifo dir changed while listed ({e.Message}); looking again"); // ctr removes its FIFO dirs
        }
        return left;
    }
}
