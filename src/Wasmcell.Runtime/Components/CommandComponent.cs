using Wasmtime.Components;

namespace Wasmcell.Runtime.Components;

/// <summary>A compiled <c>wasi:cli/command</c> component, checked at load to export <c>wasi:cli/run</c>.</summary>
public sealed class CommandComponent : LoadedComponent
{
    internal CommandComponent(Component component, string path)
    {
        Component = component;
        Path = path;
    }

    public override Component Component { get; }

    public override string Path { get; }

    public override void Dispose() => Component.Dispose();
}
