using Wasmcell.Runtime.Cache;
using Wasmcell.Runtime.Components;
using Wasmcell.Runtime.Components.Http;

namespace Wasmcell.Runtime.Tests.Components;

/// <summary>
/// tests/components/fetch.js built with componentize-js at set-up (<see cref="JsComponents"/>: npm and jco cached
/// under the temp directory) and loaded through the same precompile cache as <see cref="ProxyFixture"/>.
/// </summary>
public sealed class FetchProxyFixture : IDisposable
{
    private readonly PrecompileCache _cache = new(System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"wasmcell-test-precompiled-components-{Environment.UserName}"));

    public FetchProxyFixture()
    {
        Engine = new WasmEngine();
        Path = JsComponents.Fetch;
        Proxy = Load();
    }

    public WasmEngine Engine { get; }

    public string Path { get; }

    public ProxyComponent Proxy { get; }

    /// <summary>Another instance of the component (a test that stops one must not stop the shared one).</summary>
    public ProxyComponent Load() => Assert.IsType<ProxyComponent>(ComponentLoader.LoadFile(Engine, "/fetch.wasm", Path, _cache));

    public void Dispose()
    {
        Proxy.Dispose();
        Engine.Dispose();
    }
}
