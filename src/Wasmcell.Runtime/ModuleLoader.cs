using Wasmcell.Emscripten;
using Wasmcell.Runtime.Cache;
using Wasmtime;

namespace Wasmcell.Runtime;

/// <summary>
/// Reads, checks and compiles a module, failing with a message that names the file and the reason
/// (container create must fail clearly, never at start and never by crashing the shim).
/// </summary>
public static class ModuleLoader
{
    private static ReadOnlySpan<byte> WasmMagic => "\0asm"u8;

    /// <summary>Import namespaces the cell can satisfy.</summary>
    public static readonly IReadOnlySet<string> SupportedAbis = new HashSet<string>(StringComparer.Ordinal)
    {
        "wasi_snapshot_preview1",
        "wasi_unstable",
    };

    public static ModuleKind Sniff(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 8 && head[..4].SequenceEqual(WasmMagic))
        {
            // Core modules have version 1; components use version 0x0d with layer 1.
            return head[4] == 1 && head[5] == 0 && head[6] == 0 && head[7] == 0 ? ModuleKind.Core
                : head[6] == 1 && head[7] == 0 ? ModuleKind.Component : ModuleKind.Unknown;
        }
        if (head.Length >= 4 && head[..4].SequenceEqual(WasmMagic))
        {
            return ModuleKind.Truncated;
        }
        var text = System.Text.Encoding.UTF8.GetString(head).TrimStart();
        return text.StartsWith("(module", StringComparison.Ordinal) ? ModuleKind.Text : ModuleKind.Unknown;
    }

    public static Module Load(WasmEngine engine, string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModuleLoadException($"cannot read Wasm module {path}: {e.Message}", e);
        }
        return Load(engine, path, bytes);
    }

    /// <summary>
    /// Loads a module file. With a cache, a hit costs neither reading nor hashing the module (the cache
    /// remembers file identities) nor compiling it. <paramref name="readablePath"/> may be a
    /// /proc/self/fd path of a file opened safely elsewhere; <paramref name="displayPath"/> names it in errors.
    /// </summary>
    public static Module LoadFile(WasmEngine engine, string displayPath, string readablePath, PrecompileCache? cache)
    {
        byte[] head;
        try
        {
            using var stream = File.OpenRead(readablePath);
            head = new byte[64];
            head = head[..stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModuleLoadException($"cannot read Wasm module {displayPath}: {e.Message}", e);
        }
        if (cache is not null && Sniff(head) == ModuleKind.Core)
        {
            Module? cached = null;
            try
            {
                cached = cache.LoadOrCompile(engine.Engine, engine.ConfigFingerprint, readablePath);
            }
            catch (Exception e) when (e is WasmtimeException or IOException or UnauthorizedAccessException)
            {
                // Invalid module or unusable cache: the uncached path below explains or copes.
            }
            if (cached is not null)
            {
                CheckImports(displayPath, cached);
                return cached;
            }
        }
        return Load(engine, displayPath, File.ReadAllBytes(readablePath));
    }

    /// <param name="cache">Compiled code from earlier runs; a hit skips compilation (and validation, which it passed then).</param>
    public static Module Load(WasmEngine engine, string path, byte[] bytes, PrecompileCache? cache = null)
    {
        var kind = Sniff(bytes.AsSpan(0, Math.Min(bytes.Length, 64)));
        Module module = kind switch
        {
            ModuleKind.Core => cache is null ? Compile(engine, path, bytes) : CompileCached(engine, path, bytes, cache),
            ModuleKind.Text => CompileText(engine, path, bytes),
            ModuleKind.Truncated => throw new ModuleLoadException(
                $"{path} is truncated ({bytes.Length} bytes): it starts like a Wasm module but has no complete header; rebuild or re-pull the image"),
            ModuleKind.Component => throw new ModuleLoadException(
                $"{path} is a WebAssembly component (WASI preview2), which runs only in a cell of its own; this path (e.g. a shared cell) runs core modules"),
            _ => throw new ModuleLoadException(
                $"{path} is not a WebAssembly module (no \\0asm header) nor .wat text; point the entrypoint at a .wasm file"),
        };
        CheckImports(path, module);
        return module;
    }

    private static Module Compile(WasmEngine engine, string path, byte[] bytes)
    {
        var error = Module.Validate(engine.Engine, bytes);
        if (error is not null)
        {
            throw new ModuleLoadException($"{path} is not a valid WebAssembly module: {error}");
        }
        try
        {
            return Module.FromBytes(engine.Engine, Path.GetFileName(path), bytes);
        }
        catch (WasmtimeException e)
        {
            throw new ModuleLoadException($"{path} failed to compile: {e.Message}", e);
        }
    }

    private static Module CompileCached(WasmEngine engine, string path, byte[] bytes, PrecompileCache cache)
    {
        try
        {
            return cache.LoadOrCompile(engine.Engine, engine.ConfigFingerprint, bytes, Path.GetFileName(path));
        }
        catch (WasmtimeException)
        {
            // Invalid module: compile again uncached for the validation message.
            return Compile(engine, path, bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An unusable cache costs speed, never the container.
            return Compile(engine, path, bytes);
        }
    }

    private static Module CompileText(WasmEngine engine, string path, byte[] bytes)
    {
        try
        {
            return Module.FromText(engine.Engine, Path.GetFileName(path), System.Text.Encoding.UTF8.GetString(bytes));
        }
        catch (WasmtimeException e)
        {
            throw new ModuleLoadException($"{path} is not valid WebAssembly text: {e.Message}", e);
        }
    }

    /// <summary>
    /// Fails unless <paramref name="entry"/> is an exported function: a library module without `_start`
    /// (or a `#func` naming nothing) is bad input the cell must report at create, not crash on at start.
    /// </summary>
    public static void CheckEntry(string path, Module module, string entry)
    {
        if (entry == "_start" && EmscriptenModule.IsEmscripten(module))
        {
            entry = EmscriptenModule.MainExport;
        }
        var functions = module.Exports.OfType<FunctionExport>().Select(e => e.Name).ToList();
        if (functions.Contains(entry, StringComparer.Ordinal))
        {
            return;
        }
        var listed = functions.Count == 0
            ? "it exports no functions"
            : $"its exported functions: {string.Join(", ", functions.Take(20))}{(functions.Count > 20 ? $", ... ({functions.Count} in all)" : "")}";
        var what = entry == "_start" ? "no '_start' function (it is not a WASI command)" : $"no exported function '{entry}'";
        throw new ModuleLoadException($"{path} has {what}; {listed}; to call one of them, use {Path.GetFileName(path)}#FUNCTION as the entrypoint");
    }

    private static void CheckImports(string path, Module module)
    {
        if (EmscriptenModule.IsEmscripten(module))
        {
            CheckEmscriptenImports(path, module);
            return;
        }
        var foreign = module.Imports
            .Where(i => !SupportedAbis.Contains(i.ModuleName))
            .Select(i => i.ModuleName + "." + i.Name)
            .ToList();
        if (foreign.Count == 0)
        {
            return;
        }
        var abi = DescribeAbi(foreign);
        throw new ModuleLoadException(
            $"{path} needs the {abi} ABI, which this runtime does not provide " +
            $"({foreign.Count} unsupported imports, e.g. {string.Join(", ", foreign.Take(3))}); " +
            "rebuild it for WASI preview1 (wasm32-wasi / wasm32-wasip1)");
    }

    /// <summary>An Emscripten 1.38 module runs on the Emscripten host when that host can link and start it.</summary>
    private static void CheckEmscriptenImports(string path, Module module)
    {
        if (EmscriptenModule.Refusal(module) is { } reason)
        {
            throw new ModuleLoadException($"{path} {reason}");
        }
    }

    private static string DescribeAbi(IReadOnlyList<string> imports)
    {
        if (imports.Any(i => i.StartsWith("env.___syscall", StringComparison.Ordinal) || i.StartsWith("global.", StringComparison.Ordinal)))
        {
            return "Emscripten";
        }
        var namespaces = imports.Select(i => i[..i.IndexOf('.')]).Distinct().Take(3);
        return "'" + string.Join("', '", namespaces) + "'";
    }
}

public enum ModuleKind
{
    Unknown,
    Core,
    Component,
    Text,
    Truncated,
}
