using Wasmcell.IntegrationTests.Cri.V1;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>
/// The operator-facing manifests deploy/examples/http-server.yaml, wasm-with-sidecar.yaml and
/// http-proxy-component.yaml (a wasi:http/proxy component served by the cell), run as
/// they are written (only their registry image is swapped for the locally built examples/http-server):
/// the env they set is all the server needs to be reachable. Root.
/// </summary>
[Collection(CriEnvironmentCollection.Name)]
public sealed class WasmHttpExampleManifestTests(CriEnvironment env)
{
    private const string ManifestImage = "localhost:5000/wasmcell/http-server:latest";

    [Fact]
    public async Task Http_server_deployment_pod_serves_curl_at_its_ip()
    {
        WasmPodSetup.InstallShim(env);
        var image = await WasmHttpImages.ImportExampleServerAsync(env);
        var manifest = ExampleManifests.Load("http-server.yaml");
        var placement = Placement(manifest.Name, image);
        var portsBefore = await env.BridgePortsAsync();
        var cri = env.Cri;
        await using var cleanup = new WasmPodCleanup(cri);

        var pod = cleanup.Track(await PodLifecycle.StartAsync(cri, manifest, env.RuntimeClasses, placement));
        var ip = await PodIpAsync(pod);

        await WasmHttpImages.AssertRoutedOverBridgeAsync(ip);
        Assert.Equal(WasmHttpImages.ExampleBody("/"), await WasmHttpImages.CurlAsync($"http://{ip}:8080/"));

        await WasmPodProbe.StopRemoveAndAssertGoneAsync(env, cri, pod, ip, portsBefore);
    }

    [Fact]
    public async Task Wasm_with_sidecar_pod_sidecar_gets_the_servers_answer_on_localhost()
    {
        WasmPodSetup.InstallShim(env);
        var image = await WasmHttpImages.ImportExampleServerAsync(env);
        var manifest = ExampleManifests.Load("wasm-with-sidecar.yaml");
        var placement = Placement(manifest.Name, image);
        var portsBefore = await env.BridgePortsAsync();
        var cri = env.Cri;
        await using var cleanup = new WasmPodCleanup(cri);

        var pod = cleanup.Track(await PodLifecycle.StartAsync(cri, manifest, env.RuntimeClasses, placement));
        var ip = await PodIpAsync(pod);

        // The sidecar polls every 5 s; its first try may come before the server accepts.
        await WasmCriQueries.WaitForLogLineAsync(placement, "probe", " stdout F sidecar: server answered", TimeSpan.FromSeconds(30));
        var log = WasmCriQueries.LogLines(placement, "probe");
        Assert.Contains(log, l => l.EndsWith(" stdout F " + WasmHttpImages.ExampleGreeting, StringComparison.Ordinal));
        Assert.Contains(log, l => l.EndsWith(" stdout F You asked for /", StringComparison.Ordinal));

        await WasmPodProbe.StopRemoveAndAssertGoneAsync(env, cri, pod, ip, portsBefore);
    }

    [Fact]
    public async Task Http_proxy_component_deployment_pod_serves_the_handlers_answer_at_its_ip()
    {
        WasmPodSetup.InstallShim(env);
        const string image = "localhost/wcc/hello-proxy-component:1";
        await env.ImportImageAsync(image,
            [new("hello-proxy.component.wasm", await File.ReadAllBytesAsync(TestData.Path("components/hello-proxy.component.wasm")), Mode: OciArchive.LayerEntry.Executable)],
            ["/hello-proxy.component.wasm"]);
        var manifest = ExampleManifests.Load("http-proxy-component.yaml");
        var placement = Placement(manifest.Name, image, "localhost:5000/wasmcell/hello-proxy:latest");
        var portsBefore = await env.BridgePortsAsync();
        var cri = env.Cri;
        await using var cleanup = new WasmPodCleanup(cri);

        var pod = cleanup.Track(await PodLifecycle.StartAsync(cri, manifest, env.RuntimeClasses, placement));
        var ip = await PodIpAsync(pod);

        await WasmHttpImages.AssertRoutedOverBridgeAsync(ip);
        Assert.Equal("hello from componentize-js: GET /from-the-node body=\n", await WasmHttpImages.CurlAsync($"http://{ip}:8080/from-the-node"));
        Assert.Equal("hello from componentize-js: POST /p body=pod\n", await WasmHttpImages.CurlAsync($"http://{ip}:8080/p", ["--data-binary", "pod"]));

        await WasmPodProbe.StopRemoveAndAssertGoneAsync(env, cri, pod, ip, portsBefore);
    }

    private PodPlacement Placement(string podName, string exampleImage, string manifestImage = ManifestImage)
    {
        var placement = env.NewPlacement("default", podName + "-" + Guid.NewGuid().ToString("N")[..6]);
        var busybox = placement.ImageMap!;
        return placement with { ImageMap = image => image == manifestImage ? exampleImage : busybox(image) };
    }

    private async Task<string> PodIpAsync(RunningPod pod)
    {
        var sandbox = await env.Cri.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.SandboxId }, CriClient.Deadline());
        Assert.Equal("wasm", sandbox.Status.RuntimeHandler);
        return sandbox.Status.Network.Ip;
    }
}
