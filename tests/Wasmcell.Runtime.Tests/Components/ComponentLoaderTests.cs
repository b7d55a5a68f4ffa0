using Wasmcell.Runtime.Components;

namespace Wasmcell.Runtime.Tests.Components;

public sealed class ComponentLoaderTests : IDisposable
{
    private readonly WasmEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    [Fact]
    public void A_command_component_loads_and_lists_its_run_export()
    {
        using var command = ComponentLoader.Load(_engine, "/hello.wasm", File.ReadAllBytes(TestComponents.HelloCli));

        Assert.Equal(ComponentWorld.Command, ComponentWorlds.Of(command.Component));
        Assert.Equal(["wasi:cli/run@0.2.12"], ComponentExports.Names(_engine.Engine, command.Component));
    }

    [Fact]
    public void A_component_file_is_told_from_its_core_twin()
    {
        Assert.True(ComponentLoader.IsComponentFile(TestComponents.HelloCli));
        Assert.False(ComponentLoader.IsComponentFile(TestComponents.HelloCore));
        Assert.False(ComponentLoader.IsComponentFile("/nonexistent/file.wasm"));
    }

    [Fact]
    public void Any_wasi_0_2_release_of_run_is_a_command()
    {
        using var command = ComponentLoader.Load(_engine, "/c.wasm", TestComponents.Exporting("wasi:cli/run@0.2.3"));
        Assert.Equal(ComponentWorld.Command, ComponentWorlds.Of(command.Component));
    }

    [Fact]
    public void An_http_proxy_is_loaded_for_serving_with_its_imports_linked()
    {
        using var loaded = ComponentLoader.Load(_engine, "/proxy.wasm", TestComponents.Exporting("wasi:http/incoming-handler@0.2.10"));

        var proxy = Assert.IsType<Wasmcell.Runtime.Components.Http.ProxyComponent>(loaded);
        Assert.Equal("/proxy.wasm", proxy.Path);
        Assert.Equal(ComponentWorld.HttpProxy, ComponentWorlds.Of(proxy.Component));
    }

    [Fact]
    public void A_component_of_another_world_is_refused_listing_its_exports()
    {
        var ex = Assert.Throws<ModuleLoadException>(() =>
            ComponentLoader.Load(_engine, "/lib.wasm", TestComponents.Exporting("example:lib/api@1.0.0")));

        Assert.Contains("without wasi:cli/run@0.2.x", ex.Message);
        Assert.Contains("example:lib/api@1.0.0", ex.Message);
    }

    [Fact]
    public void A_wasi_0_3_run_export_is_not_taken_for_0_2()
    {
        Assert.Throws<ModuleLoadException>(() => ComponentLoader.Load(_engine, "/p3.wasm", TestComponents.Exporting("wasi:cli/run@0.3.0")));
    }

    [Fact]
    public void An_invalid_component_fails_with_the_file_named()
    {
        byte[] broken = [0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0, 0xff, 0xff];
        var ex = Assert.Throws<ModuleLoadException>(() => ComponentLoader.Load(_engine, "/broken.wasm", broken));
        Assert.StartsWith("/broken.wasm is not a valid WebAssembly component", ex.Message);
    }
}
