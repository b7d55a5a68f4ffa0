using System.Globalization;
using System.Text.RegularExpressions;
using Wasmcell.IntegrationTests.Cri.V1;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>
/// Pause/Resume of a Wasm container of a CRI pod. CRI has no call for it, so the containerd task API
/// does it (ctr task pause/resume in the k8s.io namespace of the CRI containerd): the cell's freezer
/// cgroup goes FROZEN and the guest, which logs a tick every 100 ms, logs nothing until resumed. Root.
/// </summary>
[Collection(CriEnvironmentCollection.Name)]
public sealed partial class WasmPauseTests(CriEnvironment env)
{
    [Fact]
    public async Task Paused_cell_is_frozen_and_makes_no_progress_until_resumed()
    {
        WasmPodSetup.InstallShim(env);
        var counter = await WasmPodSetup.ImportModuleAsync(env, "cri-counter.wasm");
        var manifest = PodManifest.Parse($$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: wasm-pause }
            spec:
              runtimeClassName: wasm
              terminationGracePeriodSeconds: 5
              containers:
                - { name: counter, image: "{{counter}}" }
            """, "inline wasm-pause pod");
        var placement = env.NewPlacement("default", "wasm-pause-" + Guid.NewGuid().ToString("N")[..6]);
        var portsBefore = await env.BridgePortsAsync();
        var cri = env.Cri;
        await using var cleanup = new WasmPodCleanup(cri);
        var ctr = WasmPodProbe.Ctr(env);

        var pod = cleanup.Track(await PodLifecycle.StartAsync(cri, manifest, env.RuntimeClasses, placement));
        var ip = (await cri.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.SandboxId }, CriClient.Deadline())).Status.Network.Ip;
        var id = pod.ContainerId("counter");
        var freezer = WasmPodProbe.CgroupsPath(env, id);
        await WasmCriQueries.WaitForLogLineAsync(placement, "counter", " stdout F tick 3");

        var pause = await ctr.RunAsync("task", "pause", id);
        Assert.True(pause.ExitCode == 0, pause.Describe());
        Assert.Equal("FROZEN", WasmPodProbe.ReadCgroupFile("freezer", freezer, "freezer.state"));
        Assert.Equal("PAUSED", (await ctr.TaskAsync(id))?.Status);
        // A tick written just before the freeze may still be on its way to the log: let it land.
        await Task.Delay(500);
        var ticksWhenPaused = Ticks(placement);
        await Task.Delay(1500);
        var ticksWhilePaused = Ticks(placement);
        Assert.True(ticksWhenPaused.SequenceEqual(ticksWhilePaused),
            $"the guest logged while paused: {ticksWhenPaused.Count} ticks (last {ticksWhenPaused.LastOrDefault()}), then {ticksWhilePaused.Count} (last {ticksWhilePaused.LastOrDefault()})");
        Assert.Equal(ContainerState.ContainerRunning, (await WasmCriQueries.StatusAsync(cri, id)).State);

        var resume = await ctr.RunAsync("task", "resume", id);
        Assert.True(resume.ExitCode == 0, resume.Describe());
        Assert.Equal("THAWED", WasmPodProbe.ReadCgroupFile("freezer", freezer, "freezer.state"));
        Assert.Equal("RUNNING", (await ctr.TaskAsync(id))?.Status);
        var last = ticksWhilePaused[^1];
        Assert.True(await WasmCriQueries.PollAsync(() => Ticks(placement).LastOrDefault() >= last + 5, TimeSpan.FromSeconds(20)),
            $"the guest did not go on counting after resume (last tick {Ticks(placement).LastOrDefault()}, paused at {last})");
        // It went on where it stopped: every tick once, in order.
        var all = Ticks(placement);
        Assert.Equal(Enumerable.Range(0, all.Count).Select(i => (long)i), all);

        await WasmPodProbe.StopRemoveAndAssertGoneAsync(env, cri, pod, ip, portsBefore);
    }

    private static IReadOnlyList<long> Ticks(PodPlacement placement) =>
        WasmCriQueries.LogLines(placement, "counter")
            .Select(l => Tick().Match(l))
            .Where(m => m.Success)
            .Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            .ToList();

    [GeneratedRegex(@" stdout F tick (\d+)$")]
    private static partial Regex Tick();
}
