using Wasmcell.IntegrationTests.Cri.V1;
using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>
/// Shared mode through CRI (issue 13): pods of the RuntimeClass <c>wasm-shared</c> (deploy/runtimeclass-shared.yaml)
/// run their Wasm containers in one shared cell per Kubernetes namespace, never mixing namespaces; each container
/// still logs to its own CRI log, stops with 143 and leaves nothing behind. Root.
/// </summary>
[Collection(CriEnvironmentCollection.Name)]
public sealed class WasmSharedPodTests(CriEnvironment env)
{
    [Fact]
    public async Task Pods_of_one_namespace_share_a_cell_pods_of_another_do_not_and_each_container_keeps_its_log_and_stop()
    {
        WasmPodSetup.InstallShim(env);
        var sleep = await WasmPodSetup.ImportModuleAsync(env, "sleep.wasm");
        var cri = env.Cri;
        var portsBefore = await env.BridgePortsAsync();
        await using var cleanup = new WasmPodCleanup(cri);
        var pods = new List<(RunningPod Pod, PodPlacement Placement, string Namespace)>();
        foreach (var ns in new[] { "team-a", "team-a", "team-b" })
        {
            var manifest = PodManifest.Parse($$"""
                apiVersion: v1
                kind: Pod
                metadata: { name: shared, namespace: {{ns}} }
                spec:
                  runtimeClassName: wasm-shared
                  terminationGracePeriodSeconds: 5
                  containers:
                    - { name: app, image: "{{sleep}}" }
                """, "inline shared pod");
            var placement = env.NewPlacement(ns, "shared-" + Guid.NewGuid().ToString("N")[..6]);
            pods.Add((cleanup.Track(await PodLifecycle.StartAsync(cri, manifest, env.RuntimeClasses, placement)), placement, ns));
        }
        foreach (var (_, placement, _) in pods)
        {
            await WasmCriQueries.WaitForLogLineAsync(placement, "app", " stdout F sleeping");
        }
        var cells = new List<int>();
        foreach (var (pod, _, _) in pods)
        {
            cells.Add(await WasmCriQueries.ContainerPidAsync(cri, pod.ContainerId("app")));
        }
        Assert.All(cells, cell => Assert.Equal(["__shared"], HostProcesses.Cmdline(cell)!.Split(' ').Skip(1)));
        Assert.Equal(cells[0], cells[1]);
        Assert.NotEqual(cells[0], cells[2]);
        // The pause containers are the pods' own processes (runc), not the shared cell.
        foreach (var (pod, _, _) in pods)
        {
            Assert.NotEqual(cells[0], await WasmCriQueries.SandboxPidAsync(cri, pod.SandboxId));
        }

        // ContainerStats of a tenant: its own guest thread's CPU and linear memory, measured by the shared cell.
        var stats = await WasmCriQueries.WaitForUsageAsync(env, pods[0].Pod.ContainerId("app"), "a shared-mode container");
        Assert.InRange(stats.Memory.WorkingSetBytes.Value, 64UL << 10, 64UL << 20);

        // StopContainer of one tenant: 143, the other tenant of its cell runs on.
        await cri.Runtime.StopContainerAsync(new StopContainerRequest { ContainerId = pods[0].Pod.ContainerId("app"), Timeout = 10 }, CriClient.Deadline());
        var stopped = await WasmCriQueries.WaitForExitAsync(cri, pods[0].Pod.ContainerId("app"), TimeSpan.FromSeconds(15));
        Assert.Equal(143, stopped.ExitCode);
        Assert.Equal(ContainerState.ContainerRunning, (await WasmCriQueries.StatusAsync(cri, pods[1].Pod.ContainerId("app"))).State);

        var ips = new List<string>();
        foreach (var (pod, _, _) in pods)
        {
            ips.Add((await cri.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.SandboxId }, CriClient.Deadline())).Status.Network.Ip);
            await PodLifecycle.StopAndRemoveAsync(cri, pod);
        }
        for (var i = 0; i < pods.Count; i++)
        {
            await WasmPodProbe.AssertContainersGoneAsync(env, pods[i].Pod);
            await PodLeftovers.AssertNoneAsync(env, pods[i].Pod.SandboxId, ips[i], portsBefore);
        }
        Assert.True(await HostProcesses.WaitGoneAsync(cells[0], TimeSpan.FromSeconds(10)), "team-a's shared cell outlived its pods");
        Assert.True(await HostProcesses.WaitGoneAsync(cells[2], TimeSpan.FromSeconds(10)), "team-b's shared cell outlived its pod");
    }
}
