using Wasmcell.Oci.Images;
using Wasmcell.Oci.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Wasmcell.Oci.Tests.EndToEnd;

/// <summary>
/// The seed's three samples (../shared/testdata/seed-samples, README there) as images laid out like the
/// originals (FROM scratch, files at /, the same CMD/ENTRYPOINT), pushed to the registry, pulled by
/// containerd and run through the shim.
/// </summary>
[Trait("Needs", "root")]
[Trait("Needs", "containerd")]
[Trait("Needs", "registry")]
[Collection(EndToEndCollection.Name)]
public sealed class SeedSampleImageTests(EndToEndFixture fixture, ITestOutputHelper output)
{
    private readonly PrivateContainerd _containerd = fixture.Containerd;

    private static string Seed(string path) => TestData.Path(Path.Combine("seed-samples", path));

    [Fact]
    public void Seed_hello_with_wasi_unstable_prints_hello_world()
    {
        var reference = PushAndPull(HelloOptions, "seed/hello:1");

        var run = _containerd.RunWasm(reference, _containerd.NewId("seed-hello"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("Hello world\n", run.Stdout);
    }

    [Fact]
    public void Seed_nginx_without_a_logs_dir_starts_then_exits_1_naming_the_pid_file_and_the_shim_keeps_serving()
    {
        // The seed's three files only: nginx runs (Emscripten host) but cannot write ./logs/nginx.pid, so it stops
        // at startup as it would natively. ShimNginxTests runs the image with logs/ and serves from it.
        var nginx = PushAndPull(
            new ImageBuildOptions
            {
                ModulePath = Seed("nginx/nginx.wasm"),
                Cmd = ["nginx.wasm", "-p", ".", "-c", "nginx.conf"],
                Files =
                [
                    new LayerEntry("/nginx.conf", Seed("nginx/nginx.conf"), false),
                    new LayerEntry("/html/index.html", Seed("nginx/html/index.html"), false),
                    new LayerEntry("/html/wasmer-logo.png", Seed("nginx/html/wasmer-logo.png"), false),
                ],
            },
            "seed/nginx:1");
        var hello = PushAndPull(HelloOptions, "seed/hello:1");

        var run = _containerd.RunWasm(nginx, _containerd.NewId("seed-nginx"));
        output.WriteLine(run.ToString());

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("open() \"./logs/nginx.pid\" failed (2: No such file or directory)", run.Stderr);
        // The daemon compiles the module into the cache beside the container (CachePrecompiler); a 1.2 MB module
        // outlives a container that ends within a second, and the fixture's teardown counts it as left behind.
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (HostProcesses.Mentioning(_containerd.Dir + "/opt/bin/").Any(p => p.Cmdline.Contains("__precompile /nginx.wasm", StringComparison.Ordinal))
            && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(100);
        }

        var after = _containerd.RunWasm(hello, _containerd.NewId("seed-hello-after-nginx"));
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.Equal("Hello world\n", after.Stdout);
    }

    [Fact]
    public void Seed_demo_through_ctr_exits_71_because_containerd_always_sets_path()
    {
        // The demo (a 2019 Rust debug build) exits 71 (EX_OSERR) as soon as ANY environment variable is
        // set; Wasmtime's own WASI host does the same. containerd always puts PATH into the process
        // environment (ctr has no way to pass an empty one), so through ctr the documented outcome is
        // exit 71 with nothing written. Without environment it copies README.md: see the next test.
        var reference = PushAndPull(DemoOptions, "seed/demo:1");

        var run = _containerd.RunWasm(reference, _containerd.NewId("seed-demo"));
        output.WriteLine(run.ToString());

        Assert.True(run.ExitCode == 71, run.ToString());
        Assert.Equal(string.Empty, run.Stdout);
    }

    [Fact]
    public void Seed_demo_without_environment_copies_its_readme_with_wasmcell_run()
    {
        using var dir = new TempDir();
        var work = Directory.CreateDirectory(dir["rootfs"]).FullName;
        File.Copy(Seed("demo/README.md"), Path.Combine(work, "README.md"));
        File.Copy(Seed("demo/demo.wasm"), Path.Combine(work, "demo.wasm"));

        // The image's ENTRYPOINT, with the rootfs preopened as '.' (as the seed's prototype ran it) and no --env.
        var run = CommandRunner.Run(PublishedBinaries.WasmcellCli, ["run", "--dir", work + "::.", Path.Combine(work, "demo.wasm"), "README.md", "README.md.out"], TimeSpan.FromMinutes(2));

        var readme = File.ReadAllText(Seed("demo/README.md"));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(readme, run.Stdout);
        Assert.Equal(File.ReadAllBytes(Seed("demo/README.md")), File.ReadAllBytes(Path.Combine(work, "README.md.out")));
    }

    private static ImageBuildOptions HelloOptions => new() { ModulePath = Seed("hello/hello.wasm"), Cmd = ["hello.wasm"] };

    private static ImageBuildOptions DemoOptions => new()
    {
        ModulePath = Seed("demo/demo.wasm"),
        Entrypoint = ["demo.wasm", "README.md", "README.md.out"],
        Files = [new LayerEntry("/README.md", Seed("demo/README.md"), false)],
    };

    private string PushAndPull(ImageBuildOptions options, string repositoryAndTag)
    {
        var reference = fixture.BuildAndPush(options, repositoryAndTag);
        _containerd.PullPlainHttp(reference);
        return reference;
    }
}
