using Wasmcell.IntegrationTests.Cri.V1;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>
/// OOM in a <c>wasm</c> pod. CRI reports reason OOMKilled only when it got the shim's /tasks/oom event
/// for the container (the shim's OOM watch on the container's memory cgroup); exit 137 alone gives
/// "Error". Both kinds of container: a native busybox container (runc under our shim) and a Wasm guest
/// that exceeds the cgroup limit with memory the linear-memory cap does not bound; and a guest of a shared cell
/// (no cgroup of its own) whose memory.grow its limit refuses. Root.
/// </summary>
[Collection(CriEnvironmentCollection.Name)]
public sealed class WasmOomTests(CriEnvironment env)
{
    [Fact]
    public async Task Native_container_over_its_memory_limit_in_a_wasm_pod_is_reported_OOMKilled()
    {
        await AssertOomKilledAsync("wasm-oom-native", """
            - name: hog
              image: busybox
              # /dev/zero has no newline: tail buffers its "last line" until the memory runs out.
              command: ["/bin/busybox", "tail", "/dev/zero"]
              resources:
                limits: { memory: 16Mi }
            """);
    }

    [Fact]
    public async Task Wasm_guest_growing_a_table_past_its_memory_limit_is_reported_OOMKilled()
    {
        // Tables live in host memory outside the capped linear memory: 64 Mi funcref elements are far
        // more than 64Mi of memory. If table.grow failed instead, the guest would exit 3.
        var image = await WasmPodSetup.ImportModuleAsync(env, "cri-table-hog.wasm");
        await AssertOomKilledAsync("wasm-oom-table", $$"""
            - name: hog
              image: "{{image}}"
              resources:
                limits: { memory: 64Mi }
            """);
    }

    [Fact]
    public async Task Wasm_guest_of_a_shared_pod_refused_memory_at_its_limit_is_reported_OOMKilled()
    {
        // No cgroup of its own in a shared cell: the cell's memory budget refuses the grow (malloc fails, the guest
        // prints how far it got and exits 0) and tells the shim, which sends /tasks/oom as a cgroup's watch would.
        var image = await WasmPodSetup.ImportModuleAsync(env, "cri-malloc.wasm");
        await AssertOomKilledAsync("wasm-oom-shared", $$"""
            - name: hog
              image: "{{image}}"
              resources:
                limits: { memory: 32Mi }
            """, runtimeClass: "wasm-shared", exitCode: 0);
    }

    private async Task AssertOomKilledAsync(string podName, string containerYaml, string runtimeClass = "wasm", int exitCode = 137)
    {
        WasmPodSetup.InstallShim(env);
        var manifest = PodManifest.Parse($$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: {{podName}} }
            spec:
              runtimeClassName: {{runtimeClass}}
              terminationGracePeriodSeconds: 5
              containers:
            {{string.Join('\n', containerYaml.Split('\n').Select(l => "    " + l))}}
            """, $"inline {podName} pod");
        var placement = env.NewPlacement("default", podName + "-" + Guid.NewGuid().ToString("N")[..6]);
        var portsBefore = await env.BridgePortsAsync();
        var cri = env.Cri;
        await using var cleanup = new WasmPodCleanup(cri);

        var pod = cleanup.Track(await PodLifecycle.StartAsync(cri, manifest, env.RuntimeClasses, placement));
        var ip = (await cri.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.SandboxId }, CriClient.Deadline())).Status.Network.Ip;
        var id = pod.ContainerId("hog");

        var status = await WasmCriQueries.WaitForExitAsync(cri, id, TimeSpan.FromSeconds(60));
        Assert.True(status.ExitCode == exitCode && status.Reason == "OOMKilled",
            $"hog: exit {status.ExitCode} reason `{status.Reason}` message `{status.Message}`\n{WasmPodProbe.ContainerdLogTail(env, id)}");

        await WasmPodProbe.StopRemoveAndAssertGoneAsync(env, cri, pod, ip, portsBefore);
    }
}
