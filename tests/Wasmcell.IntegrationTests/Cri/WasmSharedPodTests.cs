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

    [Fact]
    public async Task Http_servers_of_shared_pods_listen_in_their_own_pod_network_on_one_port_and_free_it_when_they_stop()
    {
        WasmPodSetup.InstallShim(env);
        var image = await WasmHttpImages.ImportExampleServerAsync(env);
        var cri = env.Cri;
        var portsBefore = await env.BridgePortsAsync();
        await using var cleanup = new WasmPodCleanup(cri);
        var pods = new List<(RunningPod Pod, string Ip, int SandboxPid)>();
        for (var i = 0; i < 2; i++)
        {
            var manifest = PodManifest.Parse($$"""
                apiVersion: v1
                kind: Pod
                metadata: { name: shared-http, namespace: team-http }
                spec:
                  runtimeClassName: wasm-shared
                  terminationGracePeriodSeconds: 5
                  containers:
                    - name: server
                      image: "{{image}}"
                      env: [{ name: WASMCELL_LISTEN, value: "0.0.0.0:8080" }]
                """, "inline shared http pod");
            var placement = env.NewPlacement("team-http", "shared-http-" + Guid.NewGuid().ToString("N")[..6]);
            var pod = cleanup.Track(await PodLifecycle.StartAsync(cri, manifest, env.RuntimeClasses, placement));
            var ip = (await cri.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.SandboxId }, CriClient.Deadline())).Status.Network.Ip;
            pods.Add((pod, ip, await WasmCriQueries.SandboxPidAsync(cri, pod.SandboxId)));
        }

        // One shared cell serves both, each on port 8080 of its own pod's network, made there by the daemon.
        Assert.Equal(await WasmCriQueries.ContainerPidAsync(cri, pods[0].Pod.ContainerId("server")),
            await WasmCriQueries.ContainerPidAsync(cri, pods[1].Pod.ContainerId("server")));
        foreach (var (_, ip, sandboxPid) in pods)
        {
            Assert.Equal(WasmHttpImages.ExampleBody("/from/" + ip), await WasmHttpImages.CurlAsync($"http://{ip}:8080/from/{ip}"));
            Assert.Contains(8080, WasmHttpImages.ListeningPorts(sandboxPid));
        }

        // StopContainer of one: 143, its port in its pod is free again, the other pod still answers.
        await cri.Runtime.StopContainerAsync(new StopContainerRequest { ContainerId = pods[0].Pod.ContainerId("server"), Timeout = 5 }, CriClient.Deadline());
        Assert.Equal(143, (await WasmCriQueries.StatusAsync(cri, pods[0].Pod.ContainerId("server"))).ExitCode);
        await Eventually.TrueAsync(() => !WasmHttpImages.ListeningPorts(pods[0].SandboxPid).Contains(8080), "the stopped server's port 8080 was freed");
        Assert.Equal(WasmHttpImages.ExampleBody("/still"), await WasmHttpImages.CurlAsync($"http://{pods[1].Ip}:8080/still"));

        // Removing the pods leaves nothing: a listener the shared cell still held would keep its pod's network alive.
        foreach (var (pod, _, _) in pods)
        {
            await PodLifecycle.StopAndRemoveAsync(cri, pod);
        }
        foreach (var (pod, ip, _) in pods)
        {
            await WasmPodProbe.AssertContainersGoneAsync(env, pod);
            await PodLeftovers.AssertNoneAsync(env, pod.SandboxId, ip, portsBefore);
        }
    }
}
