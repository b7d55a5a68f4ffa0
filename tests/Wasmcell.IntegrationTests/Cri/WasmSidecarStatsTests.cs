using Wasmcell.IntegrationTests.Cri.V1;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>
/// ContainerStats (kubectl top) for both kinds of container of a <c>wasm</c> pod: the Wasm cell and a
/// native busybox sidecar that runc runs under our shim (reported once as "unexpected metrics
/// response: []"). Root.
/// </summary>
[Collection(CriEnvironmentCollection.Name)]
public sealed class WasmSidecarStatsTests(CriEnvironment env)
{
    [Fact]
    public async Task ContainerStats_reports_cpu_and_memory_of_the_native_sidecar_and_the_wasm_container()
    {
        WasmPodSetup.InstallShim(env);
        var counter = await WasmPodSetup.ImportModuleAsync(env, "cri-counter.wasm");
        var manifest = PodManifest.Parse($$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: wasm-stats }
            spec:
              runtimeClassName: wasm
              terminationGracePeriodSeconds: 5
              containers:
                - name: counter
                  image: "{{counter}}"
                  resources:
                    limits: { cpu: 200m, memory: 32Mi }
                - name: sidecar
                  image: busybox
                  # Some CPU work in a loop, so its usage grows; a TERM trap so that it stops at once.
                  command: ["/bin/sh", "-c", "trap 'exit 0' TERM; while true; do i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done; sleep 0.1 & wait $!; done"]
                  resources:
                    limits: { cpu: 100m, memory: 16Mi }
            """, "inline wasm-stats pod");
        var placement = env.NewPlacement("default", "wasm-stats-" + Guid.NewGuid().ToString("N")[..6]);
        var portsBefore = await env.BridgePortsAsync();
        var cri = env.Cri;
        await using var cleanup = new WasmPodCleanup(cri);

        var pod = cleanup.Track(await PodLifecycle.StartAsync(cri, manifest, env.RuntimeClasses, placement));
        var ip = (await cri.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.SandboxId }, CriClient.Deadline())).Status.Network.Ip;
        await WasmCriQueries.WaitForLogLineAsync(placement, "counter", " stdout F tick 1");

        foreach (var name in new[] { "counter", "sidecar" })
        {
            var id = pod.ContainerId(name);
            var stats = await WasmCriQueries.WaitForUsageAsync(env, id, name);
            Assert.Equal(id, stats.Attributes.Id);
            Assert.Equal(name, stats.Attributes.Metadata.Name);
            var first = stats.Cpu.UsageCoreNanoSeconds.Value;
            var grew = await WasmCriQueries.PollAsync(async () =>
            {
                stats = (await WasmCriQueries.StatsAsync(cri, id)).Stats ?? stats;
                return stats.Cpu.UsageCoreNanoSeconds.Value > first;
            }, TimeSpan.FromSeconds(20));
            Assert.True(grew, $"the cpu usage of {name} stayed at {first} ns");
        }

        await WasmPodProbe.StopRemoveAndAssertGoneAsync(env, cri, pod, ip, portsBefore);
    }
}
