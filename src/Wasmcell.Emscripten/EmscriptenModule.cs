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

    /// <summary>
    /// Why this host cannot run the module (to follow its path in an error), or null when it can: imports beyond
    /// the supported set (named), no imported memory or one too small for the fixed layout, no `stackAlloc` for argv.
    /// </summary>
    public static string? Refusal(Module module)
    {
        var missing = UnsupportedImports(module);
        if (missing.Count > 0)
        {
            return $"is an Emscripten module importing {missing.Count} function(s) this runtime's Emscripten 1.38 host " +
                $"does not provide: {string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? ", ..." : "")}";
        }
        if (!module.Imports.OfType<MemoryImport>().Any())
        {
            return "is an Emscripten module without an imported memory (env.memory), which this host must provide";
        }
        if (!module.Exports.OfType<FunctionExport>().Any(e => e.Name == "stackAlloc"))
        {
            return "is an Emscripten module without the export 'stackAlloc', which this host needs for argv";
        }
        return null;
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
