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
    private readonly PrecompileCache _cache = new(Path.Combine(Path.GetTempPath(), $"wasmcell-test-precompiled-components-{Environment.UserName}"));

    public ProxyFixture()
    {
        Engine = new WasmEngine();
        Proxy = Load();
    }

    public WasmEngine Engine { get; }

    public ProxyComponent Proxy { get; }

    /// <summary>Another instance of the component (a stopped proxy stays stopped: a test that stops one uses its own).</summary>
    public ProxyComponent Load() => Assert.IsType<ProxyComponent>(ComponentLoader.LoadFile(Engine, "/hello-proxy.wasm", TestComponents.HelloProxy, _cache));

    public void Dispose()
    {
        Proxy.Dispose();
        Engine.Dispose();
    }
}
