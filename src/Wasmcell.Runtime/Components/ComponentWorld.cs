using Wasmtime.Components;

namespace Wasmcell.Runtime.Components;

/// <summary>What a component is for, by the WASI interface it exports.</summary>
public enum ComponentWorld
{
    /// <summary>Exports neither interface below: nothing this runtime knows how to start.</summary>
    Unknown,

    /// <summary><c>wasi:cli/command</c>: exports <c>wasi:cli/run</c>, runs like a program.</summary>
    Command,

    /// <summary><c>wasi:http/proxy</c>: exports <c>wasi:http/incoming-handler</c>, served over HTTP.</summary>
    HttpProxy,
}

/// <summary>Tells the world from the exports, the way runwasi and Spin do: an HTTP handler is served, else a run export is run.</summary>
public static class ComponentWorlds
{
    /// <summary>
    /// Looked up as @0.2.0: Wasmtime resolves an export name to any semver-compatible version (0.2.x here), as its
    /// own bindings do, so a component built against any WASI 0.2 release matches.
    /// </summary>
    public const string RunInterface = "wasi:cli/run@0.2.0", IncomingHandlerInterface = "wasi:http/incoming-handler@0.2.0";

    public static ComponentWorld Of(Component component)
    {
        if (Exports(component, IncomingHandlerInterface))
        {
            return ComponentWorld.HttpProxy;
        }
        return Exports(component, RunInterface) ? ComponentWorld.Command : ComponentWorld.Unknown;
    }

    private static bool Exports(Component component, string name)
    {
        using var export = component.GetExport(name);
        return export is not null;
    }
}
