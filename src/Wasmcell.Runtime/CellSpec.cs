using Microsoft.Win32.SafeHandles;
using Wasmcell.Wasi;

namespace Wasmcell.Runtime;

/// <summary>Everything a guest is given: nothing outside this reaches it.</summary>
public sealed record CellSpec
{
    public required string ModulePath { get; init; }

    /// <summary>The export to call; <c>path.wasm#func</c> entrypoints name another one.</summary>
    public string Entry { get; init; } = "_start";

    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>"KEY=VALUE" entries.</summary>
    public IReadOnlyList<string> Env { get; init; } = [];

    public IReadOnlyList<Preopen> Preopens { get; init; } = [];

    /// <summary>Host handles for the guest's stdio; null inherits the cell process's own fd 0/1/2.</summary>
    public SafeFileHandle? Stdin { get; init; }
    public SafeFileHandle? Stdout { get; init; }
    public SafeFileHandle? Stderr { get; init; }

    /// <summary>Preopened listening sockets handed to the guest as fds after the preopens.</summary>
    public IReadOnlyList<System.Net.Sockets.Socket> Listeners { get; init; } = [];

    /// <summary>Whether the guest may open its own sockets: the WasmEdge socket extension and Emscripten's socketcall alike.</summary>
    public bool AllowSocketExtension { get; init; }

    /// <summary>Caps linear memory so the guest's allocation fails before the cgroup OOM-kills.</summary>
    public long? MemoryLimitBytes { get; init; }

    /// <summary>
    /// Caps table elements (host memory outside the linear memory). A cell of its own leaves them to its cgroup;
    /// a guest in a shared cell has none, so its memory limit bounds them too (SharedCell's tenants).
    /// </summary>
    public uint? TableElementsLimit { get; init; }
}
