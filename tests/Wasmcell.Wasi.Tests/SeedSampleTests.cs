using Wasmcell.Wasi.Tests.Infrastructure;

namespace Wasmcell.Wasi.Tests;

/// <summary>The payloads of the original containerd-wasm demo images (seed-samples/README.md).</summary>
public sealed class SeedSampleTests
{
    [Fact]
    public void Hello_imports_wasi_unstable_and_prints_hello_world()
    {
        var options = new WasiOptions();
        options.Args.Add("hello.wasm");
        var result = GuestRun.Run(TestData.Path("seed-samples/hello/hello.wasm"), options);
        Assert.Null(result.Trap);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("Hello world\n", result.Stdout);
    }

    [Fact]
    public void Demo_copies_readme_to_stdout_and_to_a_new_file()
    {
        using var root = new TempDir();
        File.Copy(TestData.Path("seed-samples/demo/README.md"), root["README.md"]);
        var options = new WasiOptions();
        options.Args.AddRange(new[] { "demo.wasm", "README.md", "README.md.out" });
        options.Preopens.Add(new Preopen(root.Path, ".", ReadOnly: false));
        var result = GuestRun.Run(TestData.Path("seed-samples/demo/demo.wasm"), options);
        Assert.True(result.Trap is null, result.Stderr + result.Trap);
        Assert.Equal(0, result.ExitCode);
        var readme = File.ReadAllText(root["README.md"]);
        Assert.Equal(readme, result.Stdout);
        Assert.Equal(readme, File.ReadAllText(root["README.md.out"]));
    }
}
