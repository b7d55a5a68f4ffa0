using Wasmcell.IntegrationTests.Cri.V1;
using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>
/// CRI StopContainer on Wasm containers, as kubelet sends it: SIGTERM with a grace period ends a guest
/// spinning in Wasm code and one blocked in a host call with 143; grace 0 means SIGKILL at once (137).
/// A native container in the same pod that ignores SIGTERM is SIGKILLed when the grace period expires.
/// The pod then tears down completely. Root.
/// </summary>
[Collection(CriEnvironmentCollection.Name)]
public sealed class WasmStopTests(CriEnvironment env)
{
    // Long enough that a SIGTERM the cell ignored would show as SIGKILL (137), never hit by a working cell.
    private const long Grace = 20;

    [Fact]
    public async Task StopContainer_ends_spinning_and_sleeping_guests_with_143_after_sigterm_and_137_with_no_grace_then_the_pod_leaves_nothing()
    {
        WasmPodSetup.InstallShim(env);
        var spin = await WasmPodSetup.ImportModuleAsync(env, "spin.wasm");
        var sleep = await WasmPodSetup.ImportModuleAsync(env, "sleep.wasm");
        var manifest = PodManifest.Parse($$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: wasm-stop }
            spec:
              runtimeClassName: wasm
              terminationGracePeriodSeconds: {{Grace}}
              containers:
                - { name: spin-term, image: "{{spin}}" }
                - { name: sleep-term, image: "{{sleep}}" }
                - { name: spin-kill, image: "{{spin}}" }
                - { name: sleep-kill, image: "{{sleep}}" }
                # busybox sleep as PID 1 ignores SIGTERM: only the SIGKILL after the grace period ends it.
                - { name: native-stubborn, image: busybox, command: ["/bin/sleep", "600"] }
            """, "inline wasm-stop pod");
        var placement = env.NewPlacement("default", "wasm-stop-" + Guid.NewGuid().ToString("N")[..6]);
        var portsBefore = await env.BridgePortsAsync();
        var cri = env.Cri;
        await using var cleanup = new WasmPodCleanup(cri);

        var pod = cleanup.Track(await PodLifecycle.StartAsync(cri, manifest, env.RuntimeClasses, placement));
        var ip = (await cri.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.SandboxId }, CriClient.Deadline())).Status.Network.Ip;
        // The guests are where the test means them to be: in their loop, in nanosleep.
        foreach (var (name, line) in new[] { ("spin-term", "spinning"), ("spin-kill", "spinning"), ("sleep-term", "sleeping"), ("sleep-kill", "sleeping") })
        {
            await WasmCriQueries.WaitForLogLineAsync(placement, name, " stdout F " + line);
        }
        var cells = new Dictionary<string, int>();
        foreach (var name in new[] { "spin-term", "sleep-term", "spin-kill", "sleep-kill" })
        {
            cells[name] = await WasmCriQueries.ContainerPidAsync(cri, pod.ContainerId(name));
            Assert.True(HostProcesses.IsAlive(cells[name]), $"{name}: cell {cells[name]} not running");
        }

        foreach (var name in new[] { "spin-term", "sleep-term" })
        {
            var status = await StopAsync(cri, pod.ContainerId(name), Grace);
            Assert.True(143 == status.ExitCode, $"{name} after SIGTERM with a {Grace} s grace period: {status}\n{WasmPodProbe.ContainerdLogTail(env)}");
            Assert.Equal("Error", status.Reason);
            Assert.False(HostProcesses.IsAlive(cells[name]), $"{name}: cell {cells[name]} still alive after StopContainer returned");
        }
        foreach (var name in new[] { "spin-kill", "sleep-kill" })
        {
            var status = await StopAsync(cri, pod.ContainerId(name), 0);
            Assert.True(137 == status.ExitCode, $"{name} after StopContainer with grace 0: {status}");
            Assert.False(HostProcesses.IsAlive(cells[name]), $"{name}: cell {cells[name]} still alive after StopContainer returned");
        }
        var stubborn = await StopAsync(cri, pod.ContainerId("native-stubborn"), 1);
        Assert.True(137 == stubborn.ExitCode, $"native-stubborn after its 1 s grace period expired: {stubborn}");

        await WasmPodProbe.StopRemoveAndAssertGoneAsync(env, cri, pod, ip, portsBefore);
    }

    private static async Task<ContainerStatus> StopAsync(CriClient cri, string containerId, long timeout)
    {
        await cri.Runtime.StopContainerAsync(new StopContainerRequest { ContainerId = containerId, Timeout = timeout },
            CriClient.Deadline(TimeSpan.FromSeconds(timeout) + CriClient.CallTimeout));
        var status = await WasmCriQueries.StatusAsync(cri, containerId);
        Assert.True(status.State == ContainerState.ContainerExited, $"StopContainer returned but {containerId} is {status.State}");
        return status;
    }
}
