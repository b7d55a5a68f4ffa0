using Wasmtime;
using Wasmtime.Components;

namespace Wasmcell.Runtime.Cache;

/// <summary>
/// What the cache holds for one kind of Wasm binary: how to compile, serialize and load it, and the marker that
/// keeps its keys apart from the other kind's (a component's code must never be loaded as a module's).
/// </summary>
internal sealed record CompiledKind<T>(
    string? Marker,
    Func<string, byte[], T> Compile,
    Func<T, byte[]> Serialize,
    Func<string, string, T> DeserializeFile)
    where T : class;

internal static class CompiledKind
{
    /// <summary>Core modules have no marker: their keys are what they were before components were cached.</summary>
    public static CompiledKind<Module> Module(Engine engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        return new(null, (name, bytes) => Wasmtime.Module.FromBytes(engine, name, bytes), m => m.Serialize(),
            (name, path) => Wasmtime.Module.DeserializeFile(engine, name, path));
    }

    public static CompiledKind<Component> Component(Engine engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        return new("component", (_, bytes) => Wasmtime.Components.Component.FromBytes(engine, bytes), c => c.Serialize(),
            (_, path) => Wasmtime.Components.Component.DeserializeFile(engine, path));
    }
}
