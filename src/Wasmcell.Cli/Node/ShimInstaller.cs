namespace Wasmcell.Cli.Node;

/// <summary>
/// Copies the shim into a directory on containerd's PATH: the small binary containerd execs, the daemon
/// binary it hands everything else to, the cell binary each Wasm container runs in, the helper that fetches
/// OCI Wasm artifacts, and Wasmtime's native library, which the cells load from their own directory. All must
/// sit side by side. Beside them, a symlink gives the launcher the second name containerd execs for shared mode.
/// </summary>
internal static class ShimInstaller
{
    public const string ShimFileName = "containerd-shim-wasm-v1";
    public const string DaemonFileName = "containerd-shim-wasm-v1-daemon";
    public const string CellFileName = "containerd-shim-wasm-v1-cell";
    public const string ComponentCellFileName = "containerd-shim-wasm-v1-component";
    public const string FetchFileName = "containerd-shim-wasm-v1-fetch";

    /// <summary>
    /// What containerd execs for <see cref="ContainerdConfig.WasmSharedRuntimeType"/>: the launcher itself, which
    /// picks shared mode from the name it runs under (Wasmcell.Shim's Isolation.SharedLauncherName) and finds its
    /// daemon and cell beside its real path, so a symlink in the same directory is all it takes.
    /// </summary>
    public const string SharedShimFileName = "containerd-shim-wasm-shared-v1";

    /// <summary>The binaries that must sit beside <see cref="ShimFileName"/>.</summary>
    public static readonly string[] Companions = [DaemonFileName, CellFileName, ComponentCellFileName, FetchFileName];
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
        // Last: the link points at the launcher, which is in place by now.
        changed |= LinkShared(binDir, output);
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
        var link = Path.Combine(binDir, SharedShimFileName);
        if (Directory.Exists(link) && new DirectoryInfo(link).LinkTarget is null)
        {
            throw new NodeSetupException($"{link} is a directory; remove it, since wasmcell installs a symlink to {ShimFileName} there for shared mode.");
        }
    }

    /// <summary>
    /// Makes <c>binDir/containerd-shim-wasm-shared-v1</c> the relative link <c>containerd-shim-wasm-v1</c>; anything
    /// else there (an old copy, a link elsewhere, a dangling one) is replaced atomically.
    /// </summary>
    private static bool LinkShared(string binDir, TextWriter output)
    {
        var link = Path.Combine(binDir, SharedShimFileName);
        var info = new FileInfo(link);
        if (info.LinkTarget == ShimFileName)
        {
            output.WriteLine($"{link}: up to date (-> {ShimFileName})");
            return false;
        }
        var replaced = info.LinkTarget is not null || info.Exists;
        // Relative, so the link stays right when the directory is seen under another path (a host
        // directory mounted into the installer container). rename(2) replaces a link, not its target.
        var temp = Path.Combine(binDir, $".{SharedShimFileName}.wasmcell-{Environment.ProcessId}.tmp");
        File.Delete(temp);
        File.CreateSymbolicLink(temp, ShimFileName);
        try
        {
            File.Move(temp, link, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        output.WriteLine($"{link}: {(replaced ? "replaced with" : "installed as")} a symlink to {ShimFileName}");
        return true;
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
