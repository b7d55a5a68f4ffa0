namespace Wasmcell.Cli.Node;

/// <summary>A CRI runtime handler wasmcell registers: the name a RuntimeClass's <c>handler</c> names, and its runtime_type.</summary>
internal sealed record RuntimeHandler(string Name, string RuntimeType)
{
    /// <summary>Appended to <c>--handler</c> for the shared-mode handler: <c>wasm</c> gives <c>wasm-shared</c>.</summary>
    public const string SharedSuffix = "-shared";

    /// <summary>The binary containerd execs for this handler when no runtime_path is set.</summary>
    public string ShimBinary => ContainerdConfig.ShimBinaryOf(RuntimeType);

    /// <summary>
    /// What <c>--handler NAME</c> stands for: NAME (a cell process per container) and NAME-shared (shared mode,
    /// issue 13), both installed and checked together so a node offers both RuntimeClasses.
    /// </summary>
    public static RuntimeHandler[] For(string handler) =>
    [
        new(handler, ContainerdConfig.WasmRuntimeType),
        new(handler + SharedSuffix, ContainerdConfig.WasmSharedRuntimeType),
    ];
}
