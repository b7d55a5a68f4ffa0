using Wasmtime.Components;

namespace Wasmcell.Runtime.Components;

/// <summary>A compiled <c>wasi:cli/command</c> component, checked at load to export <c>wasi:cli/run</c>.</summary>
public sealed class CommandComponent : IDisposable
{
    internal CommandComponent(Component component, string path)
    {
        Component = component;
        Path = path;
    }

    public Component Component { get; }

    /// <summary>The file it was loaded from, as errors name it.</summary>
    public string Path { get; }

    public void Dispose() => Component.Dispose();
}
