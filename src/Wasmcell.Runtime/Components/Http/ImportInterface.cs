namespace Wasmcell.Runtime.Components.Http;

/// <summary>One WASI interface the proxy host defines: its resources and functions, by their component-model names.</summary>
internal sealed record ImportInterface(
    string Name,
    IReadOnlyList<(string Name, ResourceKind Kind)> Resources,
    IReadOnlyList<(string Name, HostFunction Function)> Functions);
