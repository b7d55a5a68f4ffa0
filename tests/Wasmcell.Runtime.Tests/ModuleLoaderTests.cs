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
        var wat = "(module (import \"wasmer_extras\" \"get_arguments\" (func (param i32))))";
        var ex = Assert.Throws<ModuleLoadException>(() => ModuleLoader.Load(_engine, "/app.wasm", Encoding.UTF8.GetBytes(wat)));
        Assert.Contains("/app.wasm needs the 'wasmer_extras' ABI", ex.Message);
    }

    [Fact]
    public void Emscripten_module_importing_beyond_the_supported_set_is_refused_naming_the_imports()
    {
        var wat = """
            (module (import "env" "___syscall3" (func (param i32 i32) (result i32)))
                    (import "global" "NaN" (global f64))
                    (import "env" "_pthread_create" (func (param i32 i32 i32 i32) (result i32)))
                    (import "env" "___syscall999" (func (param i32 i32) (result i32))))
            """;
        var ex = Assert.Throws<ModuleLoadException>(() => ModuleLoader.Load(_engine, "/nginx.wasm", Encoding.UTF8.GetBytes(wat)));
        Assert.Contains("/nginx.wasm is an Emscripten module importing 2 function(s)", ex.Message);
        Assert.Contains("env._pthread_create, env.___syscall999", ex.Message);
        Assert.DoesNotContain("___syscall3,", ex.Message);
    }

    [Fact]
    public void Emscripten_module_without_imported_memory_is_refused_at_load()
    {
        var wat = """(module (import "env" "___syscall20" (func (param i32 i32) (result i32))) (func (export "_main") (param i32 i32) (result i32) (i32.const 0)))""";
        var ex = Assert.Throws<ModuleLoadException>(() => ModuleLoader.Load(_engine, "/em.wasm", Encoding.UTF8.GetBytes(wat)));
        Assert.Contains("/em.wasm is an Emscripten module without an imported memory", ex.Message);
    }

    [Fact]
    public void Seed_nginx_loads_and_its_entry_is_main()
    {
        using var module = ModuleLoader.Load(_engine, TestData.Path("seed-samples/nginx/nginx.wasm"));
        ModuleLoader.CheckEntry("/nginx.wasm", module, "_start");
    }

    [Fact]
    public void Module_without_start_is_refused_listing_its_functions_and_the_hash_syntax()
    {
        // runwasi's custom_entrypoint.wat shape: a library module run without `#foo`.
        using var module = ModuleLoader.Load(_engine, "/custom_entrypoint.wasm", Encoding.UTF8.GetBytes(
            "(module (memory (export \"memory\") 1) (func (export \"foo\")) (func (export \"bar\")))"));

        var ex = Assert.Throws<ModuleLoadException>(() => ModuleLoader.CheckEntry("/custom_entrypoint.wasm", module, "_start"));

        Assert.StartsWith("/custom_entrypoint.wasm has no '_start' function", ex.Message);
        Assert.Contains("its exported functions: foo, bar;", ex.Message);
        Assert.DoesNotContain("memory", ex.Message);
        Assert.Contains("custom_entrypoint.wasm#FUNCTION", ex.Message);
    }

    [Fact]
    public void Hash_function_naming_a_missing_export_is_refused()
    {
        using var module = ModuleLoader.Load(_engine, "/app.wasm", Encoding.UTF8.GetBytes("(module (func (export \"foo\")))"));

        var ex = Assert.Throws<ModuleLoadException>(() => ModuleLoader.CheckEntry("/app.wasm", module, "nope"));

        Assert.StartsWith("/app.wasm has no exported function 'nope'; its exported functions: foo;", ex.Message);
    }

    [Fact]
    public void Exported_entry_function_passes_the_check()
    {
        using var module = ModuleLoader.Load(_engine, "/app.wasm", Encoding.UTF8.GetBytes("(module (func (export \"foo\")))"));

        ModuleLoader.CheckEntry("/app.wasm", module, "foo");
        Assert.Throws<ModuleLoadException>(() => ModuleLoader.CheckEntry("/app.wasm", module, "_start"));
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

    [Fact]
    public void Fingerprint_is_made_from_the_settings_the_engine_applies()
    {
        Assert.Equal(WasmEngine.FingerprintOf(WasmEngine.Settings), _engine.ConfigFingerprint);

        // Dropping or adding any one setting gives another fingerprint: cached code never outlives a change.
        foreach (var setting in WasmEngine.Settings)
        {
            Assert.NotEqual(_engine.ConfigFingerprint, WasmEngine.FingerprintOf(WasmEngine.Settings.Where(s => s != setting)));
        }
        var more = WasmEngine.Settings.Append(new EngineSetting("fuel", c => c.WithFuelConsumption(true)));
        Assert.NotEqual(_engine.ConfigFingerprint, WasmEngine.FingerprintOf(more));
    }

    [Fact]
    public void Fingerprint_is_unchanged_from_the_one_caches_were_written_with()
    {
        // The settings string the fingerprint was made from before the settings became a list: existing
        // precompile caches stay valid across this refactor.
        Assert.Equal(StableHash.Hex64(WasmEngine.WasmtimeVersion + "\nepoch-interruption;opt-speed;simd;bulk-memory;reference-types;multi-value"),
            _engine.ConfigFingerprint);
    }
}
