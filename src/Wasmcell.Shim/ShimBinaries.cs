namespace Wasmcell.Shim;

/// <summary>
/// The shim is five executables in one directory, each carrying only what its processes run, because a
/// NativeAOT process's start-up and private memory grow with its binary and four of them start for every container
/// (bench/startup/README.md): `containerd-shim-wasm-v1`, what containerd execs for `start` and `delete`;
/// `containerd-shim-wasm-v1-daemon`, the ttrpc daemon (protobuf, cgroups, runc, containerd's gRPC);
/// `containerd-shim-wasm-v1-cell`, one per core-module container (Wasmtime and the WASI host), and the shared cell;
/// `containerd-shim-wasm-v1-component`, the same cell with the component code (CellFeatures), one per component
/// container; and `containerd-shim-wasm-v1-fetch`, run only for OCI Wasm artifacts (containerd's gRPC API).
/// </summary>
public static class ShimBinaries
{
    public const string LauncherName = "containerd-shim-wasm-v1";
    public const string DaemonName = "containerd-shim-wasm-v1-daemon";
    public const string CellName = "containerd-shim-wasm-v1-cell";
    public const string ComponentCellName = "containerd-shim-wasm-v1-component";
    public const string FetchName = "containerd-shim-wasm-v1-fetch";

    public static string Daemon => Beside(DaemonName);

    public static string Cell => Beside(CellName);

    public static string ComponentCell => Beside(ComponentCellName);

    public static string Fetch => Beside(FetchName);

    /// <summary>Wasmtime's C API library, which the cell loads (and its sandbox binds into the cell's root).</summary>
    public static string Wasmtime => Beside("libwasmtime.so");

    private static string Beside(string name) =>
        Path.Join(Path.GetDirectoryName(Environment.ProcessPath ?? throw new InvalidOperationException("cannot locate the shim binary")), name);
}
