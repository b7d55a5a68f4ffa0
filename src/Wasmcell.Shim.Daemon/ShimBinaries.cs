namespace Wasmcell.Shim;

/// <summary>
/// The shim is two executables in one directory. `containerd-shim-wasm-v1`, the small one containerd
/// execs for `start` and `delete` on every container's critical path, starts in ~2.5 ms; everything else
/// (the daemon, the cells, the full `delete` clean-up) is `containerd-shim-wasm-v1-daemon`, which carries
/// Wasmtime, ttrpc, protobuf and gRPC and takes ~5 ms to start (bench/startup/README.md).
/// </summary>
internal static class ShimBinaries
{
    public const string LauncherName = "containerd-shim-wasm-v1";
    public const string DaemonName = "containerd-shim-wasm-v1-daemon";

    /// <summary>The daemon executable beside the running one (either of the two).</summary>
    public static string Daemon =>
        Path.Join(Path.GetDirectoryName(Environment.ProcessPath ?? throw new InvalidOperationException("cannot locate the shim binary")), DaemonName);
}
