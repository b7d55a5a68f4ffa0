using Wasmcell.IntegrationTests.Cri.V1;
using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>
/// The operator examples of deploy/examples through the <c>wasm</c> RuntimeClass, driven as kubelet
/// would, against the published shim. Root.
/// </summary>
[Collection(CriEnvironmentCollection.Name)]
public sealed class CriWasmPodTests(CriEnvironment env)
{
    private const string HelloImage = "localhost/wcc/hello-wasm:1";

    [Fact]
    public async Task Hello_job_example_runs_to_completion_under_the_wasm_handler_and_logs_to_the_cri_log()
    {
        env.InstallShim();
        await env.ImportImageAsync(HelloImage,
            [new("hello.wasm", await File.ReadAllBytesAsync(TestWasm.PathOf("hello.wasm")), Mode: OciArchive.LayerEntry.Executable)],
            ["/hello.wasm"]);
        var manifest = ExampleManifests.Load("hello-job.yaml");
        var placement = env.NewPlacement("default", "wasm-hello-" + Guid.NewGuid().ToString("N")[..6]) with { ImageMap = _ => HelloImage };
        var portsBefore = await env.BridgePortsAsync();
        var cri = env.Cri;

        var pod = await PodLifecycle.StartAsync(cri, manifest, env.RuntimeClasses, placement);

        var sandbox = await cri.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.SandboxId }, CriClient.Deadline());
        Assert.Equal("wasm", sandbox.Status.RuntimeHandler);
        Assert.Equal(PodSandboxState.SandboxReady, sandbox.Status.State);
        var ip = sandbox.Status.Network.Ip;
        ContainerStatus? status = null;
        Assert.True(await PodLeftovers.WaitForAsync(() =>
        {
            status = cri.Runtime.ContainerStatus(new ContainerStatusRequest { ContainerId = pod.ContainerId("hello") }, CriClient.Deadline()).Status;
            return status.State == ContainerState.ContainerExited;
        }), $"hello did not exit: {status}");
        Assert.Equal(0, status!.ExitCode);
        Assert.Equal("Completed", status.Reason);
        var log = await File.ReadAllLinesAsync(Path.Combine(placement.LogDirectory, "hello", "0.log"));
        Assert.Contains(log, l => l.EndsWith(" stdout F hello from wasm", StringComparison.Ordinal));

        await PodLifecycle.StopAndRemoveAsync(cri, pod, timeoutSeconds: 5);

        await PodLeftovers.AssertNoneAsync(env, pod.SandboxId, ip, portsBefore);
    }
}
