using System.Text;
using Wasmcell.Runtime;

namespace Wasmcell.Runtime.Tests;

public sealed class ModuleLoaderTests : IDisposable
{
    private readonly WasmEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    [Fact]
    public void Truncated_header_is_named()
    {
        var ex = Assert.Throws<ModuleLoadException>(() => ModuleLoader.Load(_engine, "/app.wasm", [0, 0x61, 0x73, 0x6d, 1]));
        Assert.Contains("/app.wasm is truncated", ex.Message);
    }

    [Fact]
    public void Truncated_body_fails_validation_with_the_file_name()
    {
        var ok = Wasmtime.Module.ConvertText("(module (func (export \"_start\") (nop) (nop) (nop)))");
        var ex = Assert.Throws<ModuleLoadException>(() => ModuleLoader.Load(_engine, "/app.wasm", ok[..(ok.Length - 3)]));
        Assert.Contains("/app.wasm is not a valid WebAssembly module", ex.Message);
    }

    [Fact]
    public void Text_file_is_rejected()
    {
        var ex = Assert.Throws<ModuleLoadException>(() => ModuleLoader.Load(_engine, "/app.wasm", Encoding.UTF8.GetBytes("hello, I am text")));
        Assert.Contains("/app.wasm is not a WebAssembly module", ex.Message);
    }

    [Fact]
    public void Foreign_abi_is_named()
    {
        var wat = "(module (import \"env\" \"___syscall3\" (func (param i32 i32) (result i32))) (import \"global\" \"NaN\" (global f64)))";
        var ex = Assert.Throws<ModuleLoadException>(() => ModuleLoader.Load(_engine, "/nginx.wasm", Encoding.UTF8.GetBytes(wat)));
        Assert.Contains("/nginx.wasm needs the Emscripten ABI", ex.Message);
        Assert.Contains("env.___syscall3", ex.Message);
    }

    [Fact]
    public void Component_is_recognised_and_refused_clearly()
    {
        byte[] component = [0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0];
        Assert.Equal(ModuleKind.Component, ModuleLoader.Sniff(component));
        var ex = Assert.Throws<ModuleLoadException>(() => ModuleLoader.Load(_engine, "/c.wasm", component));
        Assert.Contains("component", ex.Message);
    }

    [Fact]
    public void Wasi_imports_are_accepted()
    {
        var wat = "(module (import \"wasi_unstable\" \"fd_write\" (func (param i32 i32 i32 i32) (result i32))) (import \"wasi_snapshot_preview1\" \"proc_exit\" (func (param i32))))";
        using var m = ModuleLoader.Load(_engine, "/ok.wasm", Encoding.UTF8.GetBytes(wat));
        Assert.Equal(2, m.Imports.Count);
    }

    [Fact]
    public void Fingerprint_is_stable_and_depends_on_version()
    {
        using var other = new WasmEngine();
        Assert.Equal(_engine.ConfigFingerprint, other.ConfigFingerprint);
        Assert.Equal(16, _engine.ConfigFingerprint.Length);
    }
}
