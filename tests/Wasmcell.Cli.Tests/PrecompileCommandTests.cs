using Wasmcell.Cli.Commands;
using Wasmcell.Runtime;
using Wasmcell.Runtime.Cache;

namespace Wasmcell.Cli.Tests;

/// <summary>`wasmcell precompile` fills the cache for every cell that may run the module.</summary>
public sealed class PrecompileCommandTests : IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("wasmcell-precompile-cache-").FullName;

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    private int Precompile(string file) => PrecompileCommand.Create().Parse([file, "--cache-dir", _cache]).Invoke();

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // a shared cell's engine compiles differently (WasmEngine.ForSharedCell)
    public void A_core_module_is_then_a_cache_hit_for_independent_and_shared_cells(bool sharedCell)
    {
        var module = TestData.Path("components/hello-cli.core.wasm");
        Assert.Equal(0, Precompile(module));

        using var engine = WasmEngine.For(sharedCell);
        var cache = new PrecompileCache(_cache);
        using var loaded = cache.LoadOrCompile(engine.Engine, engine.ConfigFingerprint, File.ReadAllBytes(module), "hello-cli.core.wasm");
        Assert.Equal(0, cache.Misses);
    }

    [Fact]
    public void A_component_is_compiled_once_as_shared_cells_run_only_core_modules()
    {
        Assert.Equal(0, Precompile(TestData.Path("components/hello-cli.component.wasm")));
        Assert.Single(Directory.GetFiles(Path.Combine(_cache, "keys")));
    }
}
