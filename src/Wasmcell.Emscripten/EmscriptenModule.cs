using Wasmtime;

namespace Wasmcell.Emscripten;

/// <summary>
/// Recognises an Emscripten 1.38 (fastcomp/asm2wasm) module and checks that this host can link every import it
/// has. Detection follows wasmer's rule (an `env` import `_emscripten_memcpy_big`, `emscripten_memcpy_big` or
/// `__map_file`) widened to the marks every such module carries: `env.___syscallN` imports or the `global`
/// module (NaN, Infinity).
/// </summary>
public static class EmscriptenModule
{
    /// <summary>The export a module's `main` is, called instead of WASI's `_start`.</summary>
    public const string MainExport = "_main";

    public static bool IsEmscripten(Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        return module.Imports.Any(i =>
            (i.ModuleName == "env" && (i.Name is "_emscripten_memcpy_big" or "emscripten_memcpy_big" or "__map_file"
                || i.Name.StartsWith("___syscall", StringComparison.Ordinal)))
            || i.ModuleName == "global");
    }

    /// <summary>"module.name" of every import this host does not provide, in import order; empty when it can run.</summary>
    public static IReadOnlyList<string> UnsupportedImports(Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var missing = new List<string>();
        foreach (var import in module.Imports)
        {
            var supported = import switch
            {
                FunctionImport f => f.ModuleName == "env" && EmscriptenImports.Functions.Contains(f.Name),
                // The fixed layout (stack, brk cell) must fit in memory that can never grow.
                MemoryImport m => m.ModuleName == "env" && m.Name == "memory"
                    && (m.Maximum ?? m.Minimum) * EmscriptenLayout.WasmPageSize > EmscriptenLayout.DynamicBase,
                TableImport t => t.ModuleName == "env" && t.Name == "table",
                GlobalImport g => (g.ModuleName == "env" && EmscriptenImports.Globals.ContainsKey(g.Name))
                    || (g.ModuleName == "global" && g.Name is "NaN" or "Infinity"),
                _ => false,
            };
            if (!supported)
            {
                missing.Add(import.ModuleName + "." + import.Name);
            }
        }
        return missing;
    }
}
