using Wasmcell.IntegrationTests.Cri.V1;
using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>
/// The pid namespace as kubelet asks for it: with <c>shareProcessNamespace: true</c> CRI hands the shim the pause
/// container's pid namespace by path and the cell's sandbox joins it (every thread, before the first one starts);
/// without it the cell gets one of its own, where it is pid 1. Root.
/// </summary>
[Collection(CriEnvironmentCollection.Name)]
public sealed class WasmPodPidNamespaceTests(CriEnvironment env)
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_cell_joins_the_pods_pid_namespace_when_the_pod_shares_one_and_has_its_own_otherwise(bool share)
    {
        WasmPodSetup.InstallShim(env);
        var sleep = await WasmPodSetup.ImportModuleAsync(env, "sleep.wasm");
        var manifest = PodManifest.Parse($$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: wasm-pidns }
            spec:
              runtimeClassName: wasm
              terminationGracePeriodSeconds: 5
              shareProcessNamespace: {{(share ? "true" : "false")}}
              containers:
                - { name: app, image: "{{sleep}}" }
                - { name: sidecar, image: busybox, command: ["/bin/sleep", "600"] }
            """, "inline wasm-pidns pod");
        var placement = env.NewPlacement("default", "wasm-pidns-" + Guid.NewGuid().ToString("N")[..6]);
        var portsBefore = await env.BridgePortsAsync();
        var cri = env.Cri;
        await using var cleanup = new WasmPodCleanup(cri);

        var pod = cleanup.Track(await PodLifecycle.StartAsync(cri, manifest, env.RuntimeClasses, placement));
        var ip = (await cri.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.SandboxId }, CriClient.Deadline())).Status.Network.Ip;
        await WasmCriQueries.WaitForLogLineAsync(placement, "app", " stdout F sleeping");
        var pause = await WasmCriQueries.SandboxPidAsync(cri, pod.SandboxId);
        var cell = await WasmCriQueries.ContainerPidAsync(cri, pod.ContainerId("app"));
        var sidecar = await WasmCriQueries.ContainerPidAsync(cri, pod.ContainerId("sidecar"));
        var podPid = WasmPodProbe.Namespace($"/proc/{pause}/ns/pid");
        var hostPid = WasmPodProbe.Namespace("/proc/self/ns/pid");
        Assert.NotEqual(hostPid, podPid);

        var cellThreads = Directory.GetDirectories($"/proc/{cell}/task").Select(t => WasmPodProbe.Namespace($"{t}/ns/pid")).Distinct().ToList();
        var cellPid = Assert.Single(cellThreads);
        var innerPid = NamespacedPids(cell)[^1];
        if (share)
        {
            Assert.Equal(podPid, cellPid);
            Assert.Equal(podPid, WasmPodProbe.Namespace($"/proc/{sidecar}/ns/pid"));
            Assert.NotEqual(1, innerPid); // pause is pid 1 of the pod's namespace
        }
        else
        {
            Assert.NotEqual(podPid, cellPid);
            Assert.NotEqual(hostPid, cellPid);
            Assert.NotEqual(WasmPodProbe.Namespace($"/proc/{sidecar}/ns/pid"), cellPid);
            Assert.Equal(1, innerPid);
        }

        await WasmPodProbe.StopRemoveAndAssertGoneAsync(env, cri, pod, ip, portsBefore);
    }

    /// <summary>The pid in each namespace from the host's inwards (<c>NSpid</c> in /proc/PID/status).</summary>
    private static int[] NamespacedPids(int pid) =>
        File.ReadAllLines($"/proc/{pid}/status").Single(l => l.StartsWith("NSpid:", StringComparison.Ordinal))
            .Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(int.Parse).ToArray();
}
