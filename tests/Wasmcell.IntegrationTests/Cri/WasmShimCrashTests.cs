using Wasmcell.IntegrationTests.Cri.V1;
using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>
/// Two <c>wasm</c> pods at once get a shim each (grouped by sandbox id). One pod's shim is SIGKILLed
/// while its Wasm and native containers run: containerd's dead-shim cleanup (the shim's `delete`
/// action) plus kubelet's StopPodSandbox/RemovePodSandbox leave nothing of that pod, and the other pod
/// runs on untouched. Root.
/// </summary>
[Collection(CriEnvironmentCollection.Name)]
public sealed class WasmShimCrashTests(CriEnvironment env)
{
    [Fact]
    public async Task Killing_one_pods_shim_leaves_nothing_of_it_after_removal_and_the_other_pod_runs_on()
    {
        WasmPodSetup.InstallShim(env);
        var counter = await WasmPodSetup.ImportModuleAsync(env, "cri-counter.wasm");
        var manifest = PodManifest.Parse($$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: wasm-crash }
            spec:
              runtimeClassName: wasm
              terminationGracePeriodSeconds: 5
              containers:
                - { name: counter, image: "{{counter}}" }
                - name: sidecar
                  image: busybox
                  command: ["/bin/sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1 & wait $!; done"]
            """, "inline wasm-crash pod");
        var victimPlacement = env.NewPlacement("default", "wasm-crash-a-" + Guid.NewGuid().ToString("N")[..6]);
        var survivorPlacement = env.NewPlacement("default", "wasm-crash-b-" + Guid.NewGuid().ToString("N")[..6]);
        var portsBefore = await env.BridgePortsAsync();
        var cri = env.Cri;
        await using var cleanup = new WasmPodCleanup(cri);

        var pods = await Task.WhenAll(
            PodLifecycle.StartAsync(cri, manifest, env.RuntimeClasses, victimPlacement),
            PodLifecycle.StartAsync(cri, manifest, env.RuntimeClasses, survivorPlacement));
        var (victim, survivor) = (cleanup.Track(pods[0]), cleanup.Track(pods[1]));
        var victimIp = (await cri.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = victim.SandboxId }, CriClient.Deadline())).Status.Network.Ip;
        var survivorIp = (await cri.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = survivor.SandboxId }, CriClient.Deadline())).Status.Network.Ip;
        await WasmCriQueries.WaitForLogLineAsync(victimPlacement, "counter", " stdout F tick 1");
        await WasmCriQueries.WaitForLogLineAsync(survivorPlacement, "counter", " stdout F tick 1");

        // A shim per pod, each the parent of its pod's cell.
        var victimShim = Assert.Single(WasmPodProbe.ShimsServing(env, victim.SandboxId));
        var survivorShim = Assert.Single(WasmPodProbe.ShimsServing(env, survivor.SandboxId));
        Assert.NotEqual(victimShim, survivorShim);
        var victimCell = await WasmCriQueries.ContainerPidAsync(cri, victim.ContainerId("counter"));
        var survivorCell = await WasmCriQueries.ContainerPidAsync(cri, survivor.ContainerId("counter"));
        Assert.Equal(victimShim, HostProcesses.ParentPid(victimCell));
        Assert.Equal(survivorShim, HostProcesses.ParentPid(survivorCell));
        var victimSidecar = await WasmCriQueries.ContainerPidAsync(cri, victim.ContainerId("sidecar"));
        var victimSandbox = await WasmCriQueries.SandboxPidAsync(cri, victim.SandboxId);

        var bothRunning = await env.BridgePortsAsync();
        Assert.Equal(portsBefore.Count + 2, bothRunning.Count);

        // Process.Kill is SIGKILL.
        await HostProcesses.KillAndWaitAsync([victimShim]);
        Assert.False(HostProcesses.IsAlive(victimShim), $"shim {victimShim} survived SIGKILL");

        // containerd notices the dead shim and runs `delete` for each of its tasks: CRI sees them exit.
        foreach (var name in new[] { "counter", "sidecar" })
        {
            var exited = await WasmCriQueries.WaitForExitAsync(cri, victim.ContainerId(name), TimeSpan.FromSeconds(30));
            Assert.True(exited.ExitCode != 0, $"{name} of the killed shim's pod: {exited}");
        }
        await PodLifecycle.StopAndRemoveAsync(cri, victim);

        // The other pod first (its checks do not depend on the victim's cleanup): same shim, same cell,
        // still counting, still running in CRI.
        Assert.True(HostProcesses.IsAlive(survivorShim), "the other pod's shim died");
        Assert.Equal([survivorShim], WasmPodProbe.ShimsServing(env, survivor.SandboxId));
        Assert.True(HostProcesses.IsAlive(survivorCell), "the other pod's cell died");
        foreach (var name in new[] { "counter", "sidecar" })
        {
            Assert.Equal(ContainerState.ContainerRunning, (await WasmCriQueries.StatusAsync(cri, survivor.ContainerId(name))).State);
        }
        var ticks = WasmCriQueries.LogLines(survivorPlacement, "counter").Count;
        Assert.True(await WasmCriQueries.PollAsync(() => WasmCriQueries.LogLines(survivorPlacement, "counter").Count >= ticks + 3, TimeSpan.FromSeconds(20)),
            "the other pod's guest stopped counting");

        // The victim's processes are gone while the other pod still runs.
        foreach (var (what, pid) in new[] { ("cell", victimCell), ("native sidecar", victimSidecar), ("pause", victimSandbox) })
        {
            Assert.True(await HostProcesses.WaitGoneAsync(pid, TimeSpan.FromSeconds(10)), $"{what} {pid} of the pod whose shim was killed still runs");
        }
        Assert.Equal(portsBefore.Count + 1, (await env.BridgePortsAsync()).Count);

        await PodLifecycle.StopAndRemoveAsync(cri, survivor);
        Assert.True(await HostProcesses.WaitGoneAsync(survivorShim, TimeSpan.FromSeconds(10)), "the other pod's shim outlived its pod");

        // Nothing of either pod (checked once both are removed: some checks, such as netns mounts, are global).
        await PodLeftovers.AssertNoneAsync(env, victim.SandboxId, victimIp, portsBefore);
        await PodLeftovers.AssertNoneAsync(env, survivor.SandboxId, survivorIp, portsBefore);
        await WasmPodProbe.AssertContainersGoneAsync(env,
            victim.ContainerIds.Append(new("pause", victim.SandboxId)).Select(kv => ($"{kv.Key} of the pod whose shim was killed", kv.Value))
                .Concat(survivor.ContainerIds.Select(kv => ($"{kv.Key} of the other pod", kv.Value))));
    }
}
