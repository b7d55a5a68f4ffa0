using System.Text.Json;
using Wasmcell.IntegrationTests.Cri.V1;
using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>
/// What the Wasm CRI tests look at on the host, besides CRI's answers: the bundles containerd made,
/// namespaces, cgroups and shim processes in /proc and /sys/fs/cgroup, what a removed pod must not leave,
/// and containerd's log for failure messages.
/// </summary>
internal static class WasmPodProbe
{
    /// <summary>containerd's bundle directory of a task (config.json, rootfs mount).</summary>
    public static string Bundle(CriEnvironment env, string id) =>
        Path.Combine(env.Dir, "state", "io.containerd.runtime.v2.task", CriEnvironment.CriNamespace, id);

    /// <summary>linux.cgroupsPath of a task's config.json: the cgroup CRI named for it.</summary>
    public static string CgroupsPath(CriEnvironment env, string id)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Bundle(env, id), "config.json")));
        return doc.RootElement.GetProperty("linux").GetProperty("cgroupsPath").GetString()
            ?? throw new InvalidDataException($"{id}: config.json has no linux.cgroupsPath");
    }

    /// <summary>The v1 cgroup of <paramref name="pid"/> in the hierarchy that has <paramref name="controller"/> (from /proc/&lt;pid&gt;/cgroup).</summary>
    public static string CgroupOf(int pid, string controller)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/cgroup"))
        {
            var parts = line.Split(':', 3);
            if (parts.Length == 3 && parts[1].Split(',').Contains(controller))
            {
                return parts[2];
            }
        }
        throw new InvalidDataException($"/proc/{pid}/cgroup has no {controller} hierarchy:\n{File.ReadAllText($"/proc/{pid}/cgroup")}");
    }

    /// <summary>A v1 controller file of a cgroup, trimmed (e.g. ("memory", "/wcc-x/id", "memory.limit_in_bytes")).</summary>
    public static string ReadCgroupFile(string controller, string cgroupPath, string file) =>
        File.ReadAllText(Path.Combine("/sys/fs/cgroup", controller, cgroupPath.TrimStart('/'), file)).Trim();

    /// <summary>A namespace link such as "net:[4026532281]" (identity of the namespace).</summary>
    public static string Namespace(string procPath) =>
        new FileInfo(procPath).LinkTarget ?? throw new InvalidDataException($"{procPath} is not a link");

    public static string? Exe(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/exe").LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The shim daemon(s) serving a pod: live processes listening on the socket its sandbox id names.</summary>
    public static IReadOnlyList<int> ShimsServing(CriEnvironment env, string sandboxId) =>
        HostProcesses.ListenersOn(env.ShimSocketOf(sandboxId));

    /// <summary>Live processes running our daemon binary (cells run another) that name <paramref name="id"/> on their command line.</summary>
    public static IReadOnlyList<int> ShimDaemonsMentioning(string id) =>
        HostProcesses.Mentioning(id)
            .Where(p => Exe(p.Pid)?.EndsWith("/" + ShimBinary.DaemonFileName, StringComparison.Ordinal) == true)
            .Select(p => p.Pid)
            .ToList();

    /// <summary>
    /// Everything a removed container must not leave: processes naming it, mounts under its bundle, its
    /// cgroup. containerd runs the shim's `delete` action asynchronously after a shim connection closes, so
    /// this waits up to 10 s for that to finish before it fails, listing what is left of each container.
    /// </summary>
    public static async Task AssertContainersGoneAsync(CriEnvironment env, IEnumerable<(string What, string Id)> containers)
    {
        var list = containers.ToList();
        IReadOnlyList<string> Left(string id) =>
        [
            .. HostProcesses.Mentioning(id).Select(p => $"process {p.Pid}: {p.Cmdline}"),
            .. HostMounts.Under(Bundle(env, id)).Select(m => $"mount {m}"),
            .. HostCgroups.Dirs($"{env.CgroupParent}/{id}").Select(d => $"cgroup {d} (procs: {string.Join(' ', HostCgroups.Procs($"{env.CgroupParent}/{id}"))})"),
        ];
        await WasmCriQueries.PollAsync(() => list.All(c => Left(c.Id).Count == 0), TimeSpan.FromSeconds(10));
        var report = list
            .Select(c => (c.What, c.Id, Left: Left(c.Id)))
            .Where(c => c.Left.Count > 0)
            .Select(c => $"{c.What} ({c.Id}) left behind:\n{string.Join('\n', c.Left)}\n{ContainerdLogTail(env, c.Id, 20)}")
            .ToList();
        Assert.True(report.Count == 0, string.Join("\n\n", report));
    }

    /// <summary>Stops and removes the pod as kubelet does, then proves nothing of its containers or sandbox is left.</summary>
    public static async Task StopRemoveAndAssertGoneAsync(CriEnvironment env, CriClient cri, RunningPod pod, string ip, IReadOnlyList<string> portsBefore)
    {
        await PodLifecycle.StopAndRemoveAsync(cri, pod);
        await AssertContainersGoneAsync(env, pod);
        await PodLeftovers.AssertNoneAsync(env, pod.SandboxId, ip, portsBefore);
    }

    /// <summary>All containers of a pod (by name) gone, see <see cref="AssertContainersGoneAsync"/>.</summary>
    public static Task AssertContainersGoneAsync(CriEnvironment env, RunningPod pod) =>
        AssertContainersGoneAsync(env, pod.ContainerIds.Select(kv => ($"container {kv.Key}", kv.Value)));

    /// <summary>ctr against the CRI environment's containerd, in the CRI namespace (for the task API CRI lacks: pause, resume).</summary>
    public static Ctr Ctr(CriEnvironment env) => new(env.Address, CriEnvironment.CriNamespace);

    /// <summary>
    /// The tail of the environment's containerd log (the shims' own log lines land there too), for failure
    /// messages; only lines naming <paramref name="mentioning"/> when given.
    /// </summary>
    public static string ContainerdLogTail(CriEnvironment env, string? mentioning = null, int lines = 60)
    {
        try
        {
            using var stream = new FileStream(env.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n').Where(l => mentioning is null || l.Contains(mentioning, StringComparison.Ordinal));
            return "--- containerd log:\n" + string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException e)
        {
            return $"(containerd log unreadable: {e.Message})";
        }
    }
}
