namespace Wasmcell.Cli.Node;

/// <summary>
/// Copies the shim into a directory on containerd's PATH: the small binary containerd execs, the daemon
/// binary it hands everything else to, the cell binary each Wasm container runs in, the helper that fetches
/// OCI Wasm artifacts, and Wasmtime's native library, which the cells load from their own directory. All must
/// sit side by side.
/// </summary>
internal static class ShimInstaller
{
    public const string ShimFileName = "containerd-shim-wasm-v1";
    public const string DaemonFileName = "containerd-shim-wasm-v1-daemon";
    public const string CellFileName = "containerd-shim-wasm-v1-cell";
    public const string FetchFileName = "containerd-shim-wasm-v1-fetch";

    /// <summary>The binaries that must sit beside <see cref="ShimFileName"/>.</summary>
    public static readonly string[] Companions = [DaemonFileName, CellFileName, FetchFileName];
    public const string WasmtimeLibraryName = "libwasmtime.so";
    public const string DefaultBinDir = "/usr/local/bin";

    /// <summary>Default source: the shim shipped next to the wasmcell executable.</summary>
    public static string DefaultShimPath => Path.Combine(AppContext.BaseDirectory, ShimFileName);

    /// <summary>Installs the files; returns true when anything on disk changed.</summary>
    public static bool Install(string shimPath, string binDir, TextWriter output)
    {
        Validate(shimPath, binDir);
        // The companions first: a launcher that finds no daemon or cell beside it cannot start any container.
        var changed = false;
        foreach (var companion in Companions)
        {
            changed |= CopyOne(Beside(shimPath, companion), Path.Combine(binDir, companion), output);
        }
        changed |= CopyOne(shimPath, Path.Combine(binDir, ShimFileName), output);
        var library = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(shimPath))!, WasmtimeLibraryName);
        if (File.Exists(library))
        {
            changed |= CopyOne(library, Path.Combine(binDir, WasmtimeLibraryName), output);
        }
        else
        {
            output.WriteLine($"warning: no {WasmtimeLibraryName} next to {shimPath}; the shim loads Wasmtime from its own directory, so copy it to {binDir} yourself.");
        }
        return changed;
    }

    public static void Validate(string shimPath, string binDir)
    {
        if (!File.Exists(shimPath))
        {
            throw new NodeSetupException($"shim binary not found at {shimPath}; pass its location with --shim PATH (the `{ShimFileName}` of a wasmcell release or publish directory).");
        }
        foreach (var companion in Companions)
        {
            if (!File.Exists(Beside(shimPath, companion)))
            {
                throw new NodeSetupException($"no {companion} next to {shimPath}; the shim is the four binaries of a wasmcell release or publish directory (scripts/publish.sh), side by side.");
            }
        }
        if (!Directory.Exists(binDir))
        {
            throw new NodeSetupException($"--bin-dir {binDir} does not exist; it must be a directory on containerd's PATH (e.g. /usr/local/bin).");
        }
    }

    private static string Beside(string shimPath, string name) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(shimPath))!, name);

    private static bool CopyOne(string source, string destination, TextWriter output)
    {
        if (Path.GetFullPath(source) == Path.GetFullPath(destination))
        {
            output.WriteLine($"{destination}: already in place");
            return false;
        }
        var content = File.ReadAllBytes(source);
        if (AtomicFile.HasContent(destination, content))
        {
            output.WriteLine($"{destination}: up to date");
            return false;
        }
        const UnixFileMode executable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        AtomicFile.Write(destination, content, executable);
        output.WriteLine($"{destination}: installed ({content.Length} bytes)");
        return true;
    }
}
