namespace Wasmcell.Cell.Protocol;

/// <summary>
/// The cell's own environment: only the variables it reads, not the daemon's (containerd's) whole
/// environment. The guest's environment is process.env from config.json and never comes from here.
/// </summary>
public static class CellEnvironment
{
    /// <summary>Moves the precompile cache (a directory) or disables it ("off"); README "Precompile cache".</summary>
    public const string PrecompileDir = "WASMCELL_PRECOMPILE_DIR";

    // Wasmtime reads this for trap backtraces with file and line; harmless to pass, useful to debug.
    private static readonly string[] Passed = [PrecompileDir, "WASMTIME_BACKTRACE_DETAILS"];

    /// <summary>The cache directory to use, or null when it is "off".</summary>
    public static string? PrecompileDirectory(Func<string, string?> lookup) => lookup(PrecompileDir) switch
    {
        "off" => null,
        null or "" => Runtime.Cache.PrecompileCache.DefaultRoot,
        var dir => Path.GetFullPath(dir),
    };

    /// <summary>"KEY=VALUE" entries for posix_spawn, taken from <paramref name="lookup"/> (the daemon's environment).</summary>
    public static string[] For(Func<string, string?> lookup) =>
        [.. Passed.Select(k => (Key: k, Value: lookup(k))).Where(kv => kv.Value is not null).Select(kv => $"{kv.Key}={kv.Value}")];
}
