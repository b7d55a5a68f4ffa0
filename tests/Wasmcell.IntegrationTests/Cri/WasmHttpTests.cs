using Wasmcell.IntegrationTests.Cri.V1;
using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>
/// Wasm HTTP servers in <c>wasm</c> pods, the way kubelet runs them: a listener the container declares
/// with WASMCELL_LISTEN is created in the pod's network namespace, so the host reaches the server at the
/// pod IP and a native sidecar reaches it on 127.0.0.1; a guest that opens its own sockets (WasmEdge
/// socket extension) may do so in its pod's network namespace unless WASMCELL_SOCKETS=deny. Every pod is
/// removed without leftovers.
/// Root.
/// </summary>
[Collection(CriEnvironmentCollection.Name)]
public sealed class WasmHttpTests(CriEnvironment env)
{
    private const int WasmEdgePort = 1234;

    [Fact]
    public async Task Example_server_with_WASMCELL_LISTEN_answers_curl_at_the_pod_ip()
    {
        WasmPodSetup.InstallShim(env);
        var image = await WasmHttpImages.ImportExampleServerAsync(env);
        var manifest = PodManifest.Parse($$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: wasm-http }
            spec:
              runtimeClassName: wasm
              terminationGracePeriodSeconds: 5
              containers:
                - name: server
                  image: "{{image}}"
                  env: [{ name: WASMCELL_LISTEN, value: "0.0.0.0:8080" }]
                  ports: [{ containerPort: 8080 }]
            """, "inline wasm-http pod");
        var placement = env.NewPlacement("default", "wasm-http-" + Guid.NewGuid().ToString("N")[..6]);
        var portsBefore = await env.BridgePortsAsync();
        var cri = env.Cri;
        await using var cleanup = new WasmPodCleanup(cri);

        var pod = cleanup.Track(await PodLifecycle.StartAsync(cri, manifest, env.RuntimeClasses, placement));
        var ip = await PodIpAsync(pod);
        var sandboxPid = await WasmCriQueries.SandboxPidAsync(cri, pod.SandboxId);

        await WasmHttpImages.AssertRoutedOverBridgeAsync(ip);
        Assert.Equal(WasmHttpImages.ExampleBody("/"), await WasmHttpImages.CurlAsync($"http://{ip}:8080/"));
        // One connection after another on the same listener.
        Assert.Equal(WasmHttpImages.ExampleBody("/second/request"), await WasmHttpImages.CurlAsync($"http://{ip}:8080/second/request"));
        Assert.Equal(WasmHttpImages.ExampleBody("/third"), await WasmHttpImages.CurlAsync($"http://{ip}:8080/third"));
        // The listener lives in the pod's network namespace (the pause container's), where the cell created it.
        Assert.Contains(8080, WasmHttpImages.ListeningPorts(sandboxPid));
        // The guest found the listener itself, after the preopens ("/" and "."): its first log line says so.
        Assert.Contains(WasmCriQueries.LogLines(placement, "server"), l => l.Contains(" stdout F http_server: serving on 1 listener (first fd ", StringComparison.Ordinal));

        // kubelet's stop: SIGTERM ends the guest's blocking accept within the grace period (128 + SIGTERM, not SIGKILL's 137).
        await cri.Runtime.StopContainerAsync(new StopContainerRequest { ContainerId = pod.ContainerId("server"), Timeout = 5 }, CriClient.Deadline());
        var stopped = await WasmCriQueries.StatusAsync(cri, pod.ContainerId("server"));
        Assert.Equal(ContainerState.ContainerExited, stopped.State);
        Assert.Equal(143, stopped.ExitCode);

        await WasmPodProbe.StopRemoveAndAssertGoneAsync(env, cri, pod, ip, portsBefore);
    }

    [Fact]
    public async Task Native_sidecar_reaches_the_wasm_server_on_localhost_of_the_shared_netns()
    {
        WasmPodSetup.InstallShim(env);
        var image = await WasmHttpImages.ImportExampleServerAsync(env);
        var manifest = PodManifest.Parse($$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: wasm-http-sidecar }
            spec:
              runtimeClassName: wasm
              terminationGracePeriodSeconds: 5
              containers:
                - name: server
                  image: "{{image}}"
                  env: [{ name: WASMCELL_LISTEN, value: "0.0.0.0:8080" }]
                - name: probe
                  image: busybox
                  command: ["/bin/sh", "-c"]
                  # sh stays PID 1 with a TERM trap so that the pod stops at once.
                  args:
                    - |
                      trap 'exit 0' TERM
                      while true; do
                        wget -qO- http://127.0.0.1:8080/from-sidecar || echo "sidecar: wget failed"
                        sleep 0.2 & wait $!
                      done
            """, "inline wasm-http-sidecar pod");
        var placement = env.NewPlacement("default", "wasm-http-sc-" + Guid.NewGuid().ToString("N")[..6]);
        var portsBefore = await env.BridgePortsAsync();
        var cri = env.Cri;
        await using var cleanup = new WasmPodCleanup(cri);

        var pod = cleanup.Track(await PodLifecycle.StartAsync(cri, manifest, env.RuntimeClasses, placement));
        var ip = await PodIpAsync(pod);

        // 127.0.0.1:8080 exists only inside the pod's network namespace: the sidecar's log shows the Wasm server's body.
        await WasmCriQueries.WaitForLogLineAsync(placement, "probe", " stdout F You asked for /from-sidecar");
        var log = WasmCriQueries.LogLines(placement, "probe");
        Assert.Contains(log, l => l.EndsWith(" stdout F " + WasmHttpImages.ExampleGreeting, StringComparison.Ordinal));
        // The sidecar is a native container (runc under our shim): its own process, in the same netns as the cell's guest thread.
        var cellPid = await WasmCriQueries.ContainerPidAsync(cri, pod.ContainerId("server"));
        var probePid = await WasmCriQueries.ContainerPidAsync(cri, pod.ContainerId("probe"));
        Assert.Equal("/bin/busybox", WasmPodProbe.Exe(probePid));
        Assert.Equal(WasmPodProbe.Namespace($"/proc/{probePid}/ns/net"), WasmPodProbe.Namespace($"/proc/{cellPid}/task/{cellPid}/ns/net"));

        await WasmPodProbe.StopRemoveAndAssertGoneAsync(env, cri, pod, ip, portsBefore);
    }

    [Fact]
    public async Task WasmEdge_socket_server_in_its_pods_network_namespace_listens_and_echoes_a_post()
    {
        WasmPodSetup.InstallShim(env);
        var image = await WasmHttpImages.ImportWasmEdgeServerAsync(env);
        var cri = env.Cri;
        await using var cleanup = new WasmPodCleanup(cri);
        var (pod, _, ip, portsBefore) = await StartWasmEdgePodAsync(cleanup, image, "wasmedge-allow", sockets: null);

        await WasmHttpImages.AssertRoutedOverBridgeAsync(ip);
        Assert.Equal("echo: name=pod", await WasmHttpImages.CurlAsync($"http://{ip}:{WasmEdgePort}", ["-X", "POST", "-d", "name=pod"]));
        Assert.Contains(WasmEdgePort, WasmHttpImages.ListeningPorts(await WasmCriQueries.SandboxPidAsync(cri, pod.SandboxId)));
        var status = await WasmCriQueries.StatusAsync(cri, pod.ContainerId("server"));
        Assert.Equal(ContainerState.ContainerRunning, status.State);

        await WasmPodProbe.StopRemoveAndAssertGoneAsync(env, cri, pod, ip, portsBefore);
    }

    [Fact]
    public async Task WasmEdge_socket_server_with_WASMCELL_SOCKETS_deny_cannot_listen()
    {
        WasmPodSetup.InstallShim(env);
        var image = await WasmHttpImages.ImportWasmEdgeServerAsync(env);
        var cri = env.Cri;
        await using var cleanup = new WasmPodCleanup(cri);
        var (pod, placement, ip, portsBefore) = await StartWasmEdgePodAsync(cleanup, image, "wasmedge-deny", sockets: "deny");
        var sandboxPid = await WasmCriQueries.SandboxPidAsync(cri, pod.SandboxId);

        // sock_open answers ENOTCAPABLE (76): the server reports the error and exits non-zero.
        var exited = await WasmCriQueries.WaitForExitAsync(cri, pod.ContainerId("server"), TimeSpan.FromSeconds(30));
        Assert.NotEqual(0, exited.ExitCode);
        await WasmCriQueries.PollAsync(() => WasmCriQueries.LogLines(placement, "server").Any(IsCapabilityError), TimeSpan.FromSeconds(10));
        var log = WasmCriQueries.LogLines(placement, "server");
        Assert.True(log.Any(IsCapabilityError), "the guest did not report the denied socket:\n" + string.Join('\n', log));
        // Nothing listens on its port in the pod's network namespace, and the host's connection is refused.
        Assert.DoesNotContain(WasmEdgePort, WasmHttpImages.ListeningPorts(sandboxPid));
        var curl = await CommandRunner.RunAsync("curl", ["-sS", "--max-time", "5", "-X", "POST", "-d", "name=pod", $"http://{ip}:{WasmEdgePort}"], TimeSpan.FromSeconds(15));
        Assert.True(curl.ExitCode == 7, "curl should fail to connect (exit 7): " + curl.Describe());

        await WasmPodProbe.StopRemoveAndAssertGoneAsync(env, cri, pod, ip, portsBefore);
    }

    private static bool IsCapabilityError(string criLogLine) =>
        criLogLine.Contains(" stderr ", StringComparison.Ordinal) && criLogLine.Contains("code: 76", StringComparison.Ordinal);

    private async Task<(RunningPod Pod, PodPlacement Placement, string Ip, IReadOnlyList<string> PortsBefore)> StartWasmEdgePodAsync(WasmPodCleanup cleanup, string image, string name, string? sockets)
    {
        var socketsEnv = sockets is null ? "" : $"\n        - {{ name: WASMCELL_SOCKETS, value: {sockets} }}";
        var manifest = PodManifest.Parse($$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: {{name}} }
            spec:
              runtimeClassName: wasm
              terminationGracePeriodSeconds: 5
              containers:
                - name: server
                  image: "{{image}}"
                  env:
                    - { name: PORT, value: "{{WasmEdgePort}}" }{{socketsEnv}}
            """, $"inline {name} pod");
        var placement = env.NewPlacement("default", name + "-" + Guid.NewGuid().ToString("N")[..6]);
        var portsBefore = await env.BridgePortsAsync();
        var pod = cleanup.Track(await PodLifecycle.StartAsync(env.Cri, manifest, env.RuntimeClasses, placement));
        return (pod, placement, await PodIpAsync(pod), portsBefore);
    }

    private async Task<string> PodIpAsync(RunningPod pod)
    {
        var sandbox = await env.Cri.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.SandboxId }, CriClient.Deadline());
        Assert.Equal("wasm", sandbox.Status.RuntimeHandler);
        Assert.StartsWith("10.89.", sandbox.Status.Network.Ip);
        return sandbox.Status.Network.Ip;
    }
}
