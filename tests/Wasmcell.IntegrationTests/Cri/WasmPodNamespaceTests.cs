using System.Text.RegularExpressions;
using Wasmcell.IntegrationTests.Cri.V1;
using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>
/// A <c>wasm</c> pod as kubelet runs it: the pause container runs natively through runc under our
/// shim, one shim process serves the whole pod, the Wasm container is a cell inside the pod's network
/// namespace, and its stdout/stderr reach the CRI log file line by line. Root.
/// </summary>
[Collection(CriEnvironmentCollection.Name)]
public sealed partial class WasmPodNamespaceTests(CriEnvironment env)
{
    [Fact]
    public async Task Pause_runs_natively_one_shim_serves_the_pod_and_the_cell_runs_in_the_pod_netns_logging_line_by_line()
    {
        WasmPodSetup.InstallShim(env);
        var image = await WasmPodSetup.ImportModuleAsync(env, "cri-logs.wasm");
        var manifest = PodManifest.Parse($$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: wasm-ns }
            spec:
              runtimeClassName: wasm
              terminationGracePeriodSeconds: 5
              containers:
                - name: app
                  image: {{image}}
            """, "inline wasm-ns pod");
        var placement = env.NewPlacement("default", "wasm-ns-" + Guid.NewGuid().ToString("N")[..6]);
        var portsBefore = await env.BridgePortsAsync();
        var cri = env.Cri;
        await using var cleanup = new WasmPodCleanup(cri);

        var pod = cleanup.Track(await PodLifecycle.StartAsync(cri, manifest, env.RuntimeClasses, placement));
        var appId = pod.ContainerId("app");
        var sandbox = await cri.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.SandboxId }, CriClient.Deadline());
        Assert.Equal("wasm", sandbox.Status.RuntimeHandler);
        Assert.Equal(PodSandboxState.SandboxReady, sandbox.Status.State);
        var ip = sandbox.Status.Network.Ip;
        Assert.StartsWith("10.89.", ip);

        // The pause container: a real process, the image's busybox, in its own mount and network namespaces.
        var sandboxPid = await WasmCriQueries.SandboxPidAsync(cri, pod.SandboxId);
        Assert.True(HostProcesses.IsAlive(sandboxPid), $"sandbox pid {sandboxPid} is not a live process");
        Assert.Equal("/bin/busybox", WasmPodProbe.Exe(sandboxPid));
        Assert.Equal("/bin/busybox sleep inf", HostProcesses.Cmdline(sandboxPid));
        Assert.NotEqual(WasmPodProbe.Namespace("/proc/self/ns/mnt"), WasmPodProbe.Namespace($"/proc/{sandboxPid}/ns/mnt"));
        var podNet = WasmPodProbe.Namespace($"/proc/{sandboxPid}/ns/net");
        Assert.NotEqual(WasmPodProbe.Namespace("/proc/self/ns/net"), podNet);

        // One shim daemon for the pod, found by the socket its sandbox id names; none started for the app container.
        var shim = Assert.Single(WasmPodProbe.ShimsServing(env, pod.SandboxId));
        Assert.Equal(Path.Combine(env.OptBin, ShimBinary.DaemonFileName), WasmPodProbe.Exe(shim));
        Assert.Equal([shim], WasmPodProbe.ShimDaemonsMentioning(pod.SandboxId));
        Assert.Empty(WasmPodProbe.ShimDaemonsMentioning(appId));
        Assert.NotEqual(shim, sandboxPid);

        // The Wasm container: a cell (the shim's cell binary), child of that shim, whose guest thread is in the pod's netns.
        var cellPid = await WasmCriQueries.ContainerPidAsync(cri, appId);
        Assert.True(HostProcesses.IsAlive(cellPid), $"cell pid {cellPid} is not a live process");
        Assert.Equal(Path.Combine(env.OptBin, ShimBinary.CellFileName), WasmPodProbe.Exe(cellPid));
        Assert.Contains(appId, HostProcesses.Cmdline(cellPid));
        Assert.Equal(shim, HostProcesses.ParentPid(cellPid));
        // The cell's sandbox joined the pod's netns before its first thread: every thread is there.
        Assert.All(Directory.GetDirectories($"/proc/{cellPid}/task"), task => Assert.Equal(podNet, WasmPodProbe.Namespace($"{task}/ns/net")));

        // stdout and stderr in the CRI log, one entry per line, the two-piece line joined.
        await WasmCriQueries.WaitForLogLineAsync(placement, "app", " stderr F cri-logs: second stderr line");
        var log = WasmCriQueries.LogLines(placement, "app");
        Assert.All(log, line => Assert.Matches(CriLogLine(), line));
        Assert.Equal(
            [
                "stdout F cri-logs: first stdout line",
                "stdout F cri-logs: a line written in two pieces",
                "stdout F cri-logs: second stdout line",
            ],
            log.Select(StreamAndText).Where(l => l.StartsWith("stdout", StringComparison.Ordinal)));
        Assert.Equal(
            ["stderr F cri-logs: first stderr line", "stderr F cri-logs: second stderr line"],
            log.Select(StreamAndText).Where(l => l.StartsWith("stderr", StringComparison.Ordinal)));

        await PodLifecycle.StopAndRemoveAsync(cri, pod);

        await WasmPodProbe.AssertContainersGoneAsync(env, pod);
        Assert.True(await HostProcesses.WaitGoneAsync(shim, TimeSpan.FromSeconds(10)), "the pod's shim outlived the pod");
        await PodLeftovers.AssertNoneAsync(env, pod.SandboxId, ip, portsBefore);
    }

    private static string StreamAndText(string criLogLine) => criLogLine[(criLogLine.IndexOf(' ', StringComparison.Ordinal) + 1)..];

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d\d:\d\d) (stdout|stderr) [PF] ")]
    private static partial Regex CriLogLine();
}
