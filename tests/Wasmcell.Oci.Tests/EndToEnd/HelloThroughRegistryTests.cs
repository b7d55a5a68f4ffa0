using Wasmcell.Oci.Tests.Infrastructure;

namespace Wasmcell.Oci.Tests.EndToEnd;

/// <summary>
/// Issue 5's promise, whole: the published `wasmcell build --push --insecure` → a real registry on
/// 127.0.0.1 → `ctr images pull --plain-http` → `ctr run --runtime io.containerd.wasm.v1` through the
/// published shim. Needs root (containerd); we are root here and in CI.
/// </summary>
[Trait("Needs", "root")]
[Trait("Needs", "containerd")]
[Trait("Needs", "registry")]
[Collection(EndToEndCollection.Name)]
public sealed class HelloThroughRegistryTests(EndToEndFixture fixture)
{
    private readonly PrivateContainerd _containerd = fixture.Containerd;

    [Fact]
    public void Built_and_pushed_hello_pulls_and_runs_through_containerd()
    {
        var reference = $"{fixture.RegistryHost}/e2e/hello:1";
        var build = CommandRunner.Run(PublishedBinaries.WasmcellCli, ["build", WasmSamples.HelloWasm, "-t", reference, "--push", "--insecure"], TimeSpan.FromMinutes(2));
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains($"pushed {reference}@sha256:", build.Stdout);

        _containerd.PullPlainHttp(reference);
        var run = _containerd.RunWasm(reference, _containerd.NewId("hello"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("Hello world\n", run.Stdout);
    }
}
