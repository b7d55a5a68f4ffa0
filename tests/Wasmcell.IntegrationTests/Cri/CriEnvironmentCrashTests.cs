using Wasmcell.IntegrationTests.Cri.V1;
using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>Runs alone, after the parallel collections (and so after the shared CRI environment is gone: one wcb0 per host).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CriCrashCollection
{
    public const string Name = "cri environment crash";
}

/// <summary>
/// The teardown's crash path (recipe §8, crash-test.sh): containerd is SIGKILLed while a pod runs,
/// so nothing goes through the API. Disposal must still leave the host clean: shim and container
/// processes, runc records, overlay/shm/netns mounts, the veth and bridge, libcni cache entries, the
/// shim socket in /run/containerd/s, cgroups. Root.
/// </summary>
[Collection(CriCrashCollection.Name)]
public sealed class CriEnvironmentCrashTests
{
    [Fact]
    public async Task Teardown_after_containerd_is_killed_mid_pod_leaves_nothing_behind()
    {
        var env = new CriEnvironment();
        string sandboxId;
        string shimSocket;
        try
        {
            await env.InitializeAsync();
            var manifest = PodManifest.Parse(
                "kind: Pod\nmetadata: {name: crash}\nspec:\n  containers:\n  - {name: sleeper, image: busybox, command: [sleep, '600']}\n", "inline crash pod");
            var pod = await PodLifecycle.StartAsync(env.Cri, manifest, env.RuntimeClasses, env.NewPlacement("default", "crash"));
            sandboxId = pod.SandboxId;
            shimSocket = env.ShimSocketOf(sandboxId);
            // What a crash strands: the shim and its socket, the netns mount, the veth, the CNI cache.
            Assert.True(File.Exists(shimSocket), "the pod's shim socket should exist while it runs");
            Assert.NotEmpty(HostProcesses.Mentioning(sandboxId));
            Assert.NotEmpty(HostMounts.Under(env.NetnsDir));
            Assert.Single(await env.BridgePortsAsync());
            Assert.Contains(Directory.GetFiles("/var/lib/cni/results"), f => f.Contains(sandboxId, StringComparison.Ordinal));

            await HostProcesses.KillAndWaitAsync([env.ContainerdPid]);
            Assert.False(HostProcesses.IsAlive(env.ContainerdPid));
        }
        finally
        {
            // Throws, failing the test, when anything is left behind.
            await env.DisposeAsync();
        }

        Assert.False(Directory.Exists(env.Dir));
        Assert.False(Directory.Exists($"/sys/class/net/{CriEnvironment.Bridge}"));
        Assert.Empty(HostProcesses.Mentioning(sandboxId));
        Assert.Empty(HostProcesses.Mentioning(env.Dir));
        Assert.False(File.Exists(shimSocket), "stale shim socket left in /run/containerd/s");
        Assert.Empty(HostCgroups.Dirs(env.CgroupParent));
        if (Directory.Exists("/var/lib/cni/results"))
        {
            Assert.DoesNotContain(Directory.GetFiles("/var/lib/cni/results"), f => f.Contains(sandboxId, StringComparison.Ordinal));
        }
    }
}
