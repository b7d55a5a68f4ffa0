using Wasmcell.IntegrationTests.Cri.V1;
using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>Checks that a removed pod left nothing on the host, and small polling helpers for CRI tests.</summary>
internal static class PodLeftovers
{
    /// <summary>
    /// After StopPodSandbox + RemovePodSandbox: no sandbox or container in CRI, no netns mount, no veth
    /// beyond <paramref name="portsBefore"/>, the IP released, no process, cgroup, shim socket or libcni
    /// cache entry of the sandbox. The pod's processes get up to 10 s to go: a shim exits only after it
    /// answered containerd's last Shutdown, and containerd does not wait for that exit (nor for runc's shim).
    /// </summary>
    public static async Task AssertNoneAsync(CriEnvironment env, string sandboxId, string ip, IReadOnlyList<string> portsBefore)
    {
        await WaitForAsync(() => HostProcesses.Mentioning(sandboxId).Count == 0);
        var cri = env.Cri;
        Assert.DoesNotContain((await cri.Runtime.ListPodSandboxAsync(new ListPodSandboxRequest(), CriClient.Deadline())).Items, s => s.Id == sandboxId);
        Assert.DoesNotContain((await cri.Runtime.ListContainersAsync(new ListContainersRequest(), CriClient.Deadline())).Containers, c => c.PodSandboxId == sandboxId);
        Assert.Empty(HostMounts.Under(env.NetnsDir));
        Assert.Empty(HostMounts.Under(Path.Combine(env.Dir, "state", "io.containerd.grpc.v1.cri", "sandboxes", sandboxId)));
        Assert.Equal(portsBefore.Order(), (await env.BridgePortsAsync()).Order());
        Assert.False(File.Exists(Path.Combine(env.IpamDir, ip)), $"IP {ip} still reserved");
        Assert.Empty(HostProcesses.Mentioning(sandboxId));
        Assert.Empty(HostCgroups.Procs($"{env.CgroupParent}/{sandboxId}"));
        Assert.Empty(HostCgroups.Dirs($"{env.CgroupParent}/{sandboxId}"));
        Assert.False(File.Exists(env.ShimSocketOf(sandboxId)), "shim socket left behind");
        if (Directory.Exists("/var/lib/cni/results"))
        {
            Assert.DoesNotContain(Directory.GetFiles("/var/lib/cni/results"), f => f.Contains(sandboxId, StringComparison.Ordinal));
        }
    }

    /// <summary>Polls <paramref name="condition"/> every 100 ms for up to 10 s.</summary>
    public static async Task<bool> WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100; i++)
        {
            if (condition())
            {
                return true;
            }
            await Task.Delay(100);
        }
        return condition();
    }
}
