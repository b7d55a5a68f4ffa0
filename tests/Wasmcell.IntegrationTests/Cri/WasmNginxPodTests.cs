using Wasmcell.IntegrationTests.Cri.V1;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>
/// The seed's Kubernetes demo (issue 12): its nginx-wasm.yaml as written (RuntimeClass `wasm` from node.k8s.io/v1),
/// with the image denverdino/nginxwasm standing for a local build of the seed's files plus an empty logs/. The pod
/// serves index.html at its IP, the CRI log has nginx's access lines, and removing the pod leaves nothing. Root.
/// </summary>
[Collection(CriEnvironmentCollection.Name)]
public sealed class WasmNginxPodTests(CriEnvironment env)
{
    private const string SeedImage = "denverdino/nginxwasm";
    private const string LocalImage = "localhost/wcc/nginxwasm:1";

    private static string Seed(string relative) => TestData.Path(Path.Combine("seed-samples", relative));

    [Fact]
    public async Task Seed_nginx_pod_serves_index_html_at_its_ip_and_logs_access_lines()
    {
        WasmPodSetup.InstallShim(env);
        await env.ImportImageAsync(LocalImage,
            [
                new("nginx.wasm", await File.ReadAllBytesAsync(Seed("nginx/nginx.wasm")), Mode: OciArchive.LayerEntry.Executable),
                new("nginx.conf", await File.ReadAllBytesAsync(Seed("nginx/nginx.conf"))),
                new("html/index.html", await File.ReadAllBytesAsync(Seed("nginx/html/index.html"))),
                new("html/wasmer-logo.png", await File.ReadAllBytesAsync(Seed("nginx/html/wasmer-logo.png"))),
                new("logs", Mode: OciArchive.LayerEntry.Executable | UnixFileMode.UserWrite),
            ],
            entrypoint: null, cmd: ["nginx.wasm", "-p", ".", "-c", "nginx.conf"]);
        var manifest = PodManifest.Load(Seed("nginx-wasm.yaml"));
        var placement = env.NewPlacement("default", manifest.Name + "-" + Guid.NewGuid().ToString("N")[..6]);
        var busybox = placement.ImageMap!;
        placement = placement with { ImageMap = image => image == SeedImage ? LocalImage : busybox(image) };
        var portsBefore = await env.BridgePortsAsync();
        var cri = env.Cri;
        await using var cleanup = new WasmPodCleanup(cri);

        var pod = cleanup.Track(await PodLifecycle.StartAsync(cri, manifest, env.RuntimeClasses, placement));
        var sandbox = await cri.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.SandboxId }, CriClient.Deadline());
        Assert.Equal("wasm", sandbox.Status.RuntimeHandler);
        var ip = sandbox.Status.Network.Ip;

        await WasmHttpImages.AssertRoutedOverBridgeAsync(ip);
        Assert.Equal(await File.ReadAllTextAsync(Seed("nginx/html/index.html")), await WasmHttpImages.CurlAsync($"http://{ip}:8080/"));
        Assert.True(await WasmCriQueries.PollAsync(
            () => WasmCriQueries.LogLines(placement, "nginx").Any(l => l.Contains(" stdout F ", StringComparison.Ordinal) && l.Contains("\"GET / HTTP/1.1\" 200 958", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10)),
            "no access line in the CRI log:\n" + string.Join('\n', WasmCriQueries.LogLines(placement, "nginx")));
        var status = await WasmCriQueries.StatusAsync(cri, pod.ContainerId("nginx"));
        Assert.Equal(ContainerState.ContainerRunning, status.State);

        await WasmPodProbe.StopRemoveAndAssertGoneAsync(env, cri, pod, ip, portsBefore);
    }
}
