namespace Wasmcell.Testing;

/// <summary>
/// The NativeAOT shim under test: artifacts/shim/containerd-shim-wasm-v1 (with containerd-shim-wasm-v1-daemon,
/// -cell, -fetch and libwasmtime.so beside it), published once (scripts/publish.sh) by the first test host that needs it when missing. WASMCELL_SHIM_DIR=&lt;dir&gt; tests another
/// build instead (never published by the tests).
/// </summary>
public static class ShimBinary
{
    /// <summary>What containerd execs for `start` and `delete`.</summary>
    public const string FileName = "containerd-shim-wasm-v1";

    /// <summary>The daemon (the launcher execs it for everything else).</summary>
    public const string DaemonFileName = "containerd-shim-wasm-v1-daemon";

    /// <summary>One per Wasm container.</summary>
    public const string CellFileName = "containerd-shim-wasm-v1-cell";
    public const string ComponentCellFileName = "containerd-shim-wasm-v1-component";

    /// <summary>Run for OCI Wasm artifacts only.</summary>
    public const string FetchFileName = "containerd-shim-wasm-v1-fetch";

    public static readonly string[] Executables = [FileName, DaemonFileName, CellFileName, ComponentCellFileName, FetchFileName];

    private static readonly Lazy<string> Published = new(Publish);

    public static string Dir => Environment.GetEnvironmentVariable("WASMCELL_SHIM_DIR") is { Length: > 0 } dir
        ? dir
        : Path.Combine(RepoLayout.Artifacts, "shim");

    /// <summary>The directory holding the shim; throws with the publish output when it cannot be built.</summary>
    public static string EnsurePublished() => Published.Value;

    private static string Publish()
    {
        using var _ = FileLock.Acquire(Path.Combine(RepoLayout.Artifacts, ".shim.lock"), TimeSpan.FromMinutes(15));
        if (File.Exists(Path.Combine(Dir, FileName)))
        {
            return Dir;
        }

        if (Environment.GetEnvironmentVariable("WASMCELL_SHIM_DIR") is { Length: > 0 })
        {
            throw new InvalidOperationException($"WASMCELL_SHIM_DIR={Dir} has no {FileName}");
        }

        var result = CommandRunner.RunAsync(
            "bash", [Path.Combine(RepoLayout.Root, "scripts", "publish.sh")],
            TimeSpan.FromMinutes(15)).GetAwaiter().GetResult();
        if (result.ExitCode != 0 || !File.Exists(Path.Combine(Dir, FileName)))
        {
            throw new InvalidOperationException($"the shim is not available: {FileName} missing in {Dir} and publishing failed:\n" + result.Describe());
        }

        return Dir;
    }
}
