using Wasmcell.Runtime.Cache;
using Wasmtime;
using Wasmtime.Components;

namespace Wasmcell.Runtime.Components;

/// <summary>
/// Compiles (or loads from the precompile cache) a component and checks at load, so at container create, that
/// this runtime can start it: a <c>wasi:cli/command</c> (run) or a <c>wasi:http/proxy</c> (served, with every import
/// it needs defined by this host). Anything else fails with a message naming the file and what it exports.
/// </summary>
public static class ComponentLoader
{
    /// <summary>Whether the file at <paramref name="readablePath"/> starts like a component (not a core module).</summary>
    public static bool IsComponentFile(string readablePath)
    {
        Span<byte> head = stackalloc byte[8];
        try
        {
            using var stream = File.OpenRead(readablePath);
            return ModuleLoader.Sniff(head[..stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)]) == ModuleKind.Component;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // the module loader reports the unreadable file
        }
    }

    /// <summary>
    /// Loads a component file; with a cache, a hit neither reads, hashes nor compiles it. <paramref name="readablePath"/>
    /// may be a /proc/self/fd path of a file opened safely elsewhere; <paramref name="displayPath"/> names it in errors.
    /// </summary>
    public static LoadedComponent LoadFile(WasmEngine engine, string displayPath, string readablePath, PrecompileCache? cache)
    {
        Component? component = null;
        if (cache is not null)
        {
            try
            {
                component = cache.LoadOrCompileComponent(engine.Engine, engine.ConfigFingerprint, readablePath);
            }
            catch (Exception e) when (e is WasmtimeException or IOException or UnauthorizedAccessException)
            {
                // Invalid component or unusable cache: the uncached path below explains or copes.
            }
        }
        if (component is null)
        {
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(readablePath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ModuleLoadException($"cannot read Wasm component {displayPath}: {e.Message}", e);
            }
            component = Compile(displayPath, engine, bytes);
        }
        return Check(engine, displayPath, component);
    }

    /// <summary>Loads component bytes (e.g. `wasmcell run` of a file), through <paramref name="cache"/> when given.</summary>
    public static LoadedComponent Load(WasmEngine engine, string path, byte[] bytes, PrecompileCache? cache = null)
    {
        Component? component = null;
        if (cache is not null)
        {
            try
            {
                component = cache.LoadOrCompileComponent(engine.Engine, engine.ConfigFingerprint, bytes, System.IO.Path.GetFileName(path));
            }
            catch (Exception e) when (e is WasmtimeException or IOException or UnauthorizedAccessException)
            {
                // As above: compiled again uncached for the message, or despite the cache.
            }
        }
        return Check(engine, path, component ?? Compile(path, engine, bytes));
    }

    private static Component Compile(string path, WasmEngine engine, byte[] bytes)
    {
        try
        {
            return Component.FromBytes(engine.Engine, bytes);
        }
        catch (WasmtimeException e)
        {
            throw new ModuleLoadException($"{path} is not a valid WebAssembly component: {FirstLines(e.Message)}", e);
        }
    }

    private static LoadedComponent Check(WasmEngine engine, string path, Component component)
    {
        try
        {
            switch (ComponentWorlds.Of(component))
            {
                case ComponentWorld.Command:
                    return new CommandComponent(component, path);
                case ComponentWorld.HttpProxy:
                    try
                    {
                        return new Http.ProxyComponent(engine, component, path);
                    }
                    catch (WasmtimeException e)
                    {
                        throw new ModuleLoadException($"{path} is a wasi:http/proxy component this host cannot link: {FirstLines(e.Message)}", e);
                    }
                default:
                    var exports = ComponentExports.Names(engine.Engine, component);
                    var listed = exports.Count == 0 ? "it exports nothing" : $"its exports: {string.Join(", ", exports.Take(20))}";
                    throw new ModuleLoadException(
                        $"{path} is a WebAssembly component without wasi:cli/run@0.2.x or wasi:http/incoming-handler@0.2.x ({listed}); only wasi:cli/command and wasi:http/proxy components run");
            }
        }
        catch
        {
            component.Dispose();
            throw;
        }
    }

    private static string FirstLines(string message) => string.Join("; ", message.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).Take(3));
}
