using Wasmcell.Runtime.Cache;
using Wasmcell.Runtime.Components;
using Wasmcell.Runtime.Tests.Components;
using Wasmtime;

namespace Wasmcell.Runtime.Tests.Cache;

public sealed class ComponentCacheTests : IDisposable
{
    private const string Fingerprint = "test-config-1";
    private readonly CacheTestModules _dirs = new();
    private readonly Engine _engine = new();

    public void Dispose()
    {
        _engine.Dispose();
        _dirs.Dispose();
    }

    private string[] Objects() => Directory.GetFiles(Path.Combine(_dirs.CacheRoot, "objects"), "*.cwasm");

    private string Copy()
    {
        var path = Path.Combine(_dirs.Dir, "hello.wasm");
        File.Copy(TestComponents.HelloCli, path, overwrite: true);
        return path;
    }

    [Fact]
    public void A_component_is_compiled_once_then_loaded_from_the_cache()
    {
        var path = Copy();
        var cache = new PrecompileCache(_dirs.CacheRoot);

        cache.LoadOrCompileComponent(_engine, Fingerprint, path).Dispose();
        using var second = cache.LoadOrCompileComponent(_engine, Fingerprint, path);

        Assert.Equal(1, cache.Stats.Misses);
        Assert.Equal(1, cache.Stats.Hits);
        Assert.Single(Objects());
        Assert.Equal(ComponentWorld.Command, ComponentWorlds.Of(second));
    }

    [Fact]
    public void A_tampered_component_object_is_rejected_and_compiled_again()
    {
        var path = Copy();
        var cache = new PrecompileCache(_dirs.CacheRoot);
        cache.LoadOrCompileComponent(_engine, Fingerprint, path).Dispose();
        var objectPath = Assert.Single(Objects());
        var bytes = File.ReadAllBytes(objectPath);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(objectPath, bytes);

        using var component = cache.LoadOrCompileComponent(_engine, Fingerprint, path);

        Assert.Equal(1, cache.Stats.Rejected);
        Assert.Equal(2, cache.Stats.Misses);
        Assert.Equal(ComponentWorld.Command, ComponentWorlds.Of(component));
    }

    [Fact]
    public void Component_keys_never_collide_with_module_keys()
    {
        Assert.NotEqual(CacheKey.Compute("aa", "50.0.1", "f"), CacheKey.Compute("aa", "50.0.1", "f", "component"));
        // The module key is what it was before components were cached (no marker), so existing entries still hit.
        Assert.Equal(CacheKey.Compute("aa", "50.0.1", "f"), CacheKey.Compute("aa", "50.0.1", "f", null));
    }

    [Fact]
    public void Warm_fills_the_cache_with_a_component_or_a_module()
    {
        var cache = new PrecompileCache(_dirs.CacheRoot);
        var component = File.ReadAllBytes(TestComponents.HelloCli);
        var module = File.ReadAllBytes(TestComponents.HelloCore);

        Assert.False(cache.Warm(_engine, Fingerprint, component, "hello.wasm"));
        Assert.False(cache.Warm(_engine, Fingerprint, module, "hello-core.wasm"));
        Assert.True(cache.Warm(_engine, Fingerprint, component, "hello.wasm"));

        Assert.Equal(2, Objects().Length);
        cache.LoadOrCompileComponent(_engine, Fingerprint, component, "hello.wasm").Dispose();
        cache.LoadOrCompile(_engine, Fingerprint, module, "hello-core.wasm").Dispose();
        Assert.Equal(3, cache.Stats.Hits);
    }

    [Fact]
    public void The_loader_reads_a_cached_component_through_a_read_only_cache()
    {
        using var engine = new WasmEngine();
        var path = Copy();
        new PrecompileCache(_dirs.CacheRoot).LoadOrCompileComponent(engine.Engine, engine.ConfigFingerprint, path).Dispose();
        var reader = PrecompileCache.OpenReadOnly(_dirs.CacheRoot);

        using var command = ComponentLoader.LoadFile(engine, "/hello.wasm", path, reader);

        Assert.Equal(0, reader.Misses);
        Assert.NotNull(reader.LastHitKey);
    }
}
