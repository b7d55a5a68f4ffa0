using Wasmcell.Runtime.Cache;
using Wasmcell.Runtime.Components;
using Wasmcell.Runtime.Components.Http;

namespace Wasmcell.Runtime.Tests.Components;

/// <summary>
/// hello-proxy.component.wasm (componentize-js, 14 MB) loaded once for a test class: compiling it takes 6-15 s, so
/// the compiled code is kept in a precompile cache under the temp directory, shared by later runs.
/// </summary>
public sealed class ProxyFixture : IDisposable
{
    public ProxyFixture()
    {
        Engine = new WasmEngine();
        var cache = new PrecompileCache(Path.Combine(Path.GetTempPath(), $"wasmcell-test-precompiled-components-{Environment.UserName}"));
        var loaded = ComponentLoader.LoadFile(Engine, "/hello-proxy.wasm", TestComponents.HelloProxy, cache);
        Proxy = Assert.IsType<ProxyComponent>(loaded);
    }

    public WasmEngine Engine { get; }

    public ProxyComponent Proxy { get; }

    public void Dispose()
    {
        Proxy.Dispose();
        Engine.Dispose();
    }
}
