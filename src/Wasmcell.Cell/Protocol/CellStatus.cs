using System.Globalization;

namespace Wasmcell.Cell.Protocol;

/// <summary>
/// The lines a cell writes on its status channel (CellLaunch.StatusFd): "OK ..." once it is ready (or "ERR
/// message" and nothing more), then "EXIT code" when its guest has finished and its stdio is released. The
/// guest's exit is the container's exit: reported at once, the shim need not wait for the kernel to tear down
/// the cell's address space (Wasmtime, the .NET runtime: 1-2 ms) before Wait returns and ctr sees EOF.
/// A cell that dies instead (a signal, a crash) writes no EXIT line; its wait status is the exit then.
/// </summary>
public static class CellStatus
{
    public const string Ready = "OK";
    public const string Error = "ERR ";

    /// <summary>The cell's sandbox names the cell's pid (in the daemon's pid namespace) before anything else.</summary>
    public const string Pid = "PID ";

    /// <summary>Ends an "OK" line when the module was not in the precompile cache (the daemon then has it compiled there).</summary>
    public const string CacheMiss = "; cache miss";

    /// <summary>Ends an "OK" line, followed by the key, when the module came from the cache (the daemon records the use).</summary>
    public const string CacheHit = "; cache hit ";

    /// <summary>The key of an "OK" line ending in <see cref="CacheHit"/>, or null.</summary>
    public static string? HitKey(string ready)
    {
        var at = ready.LastIndexOf(CacheHit, StringComparison.Ordinal);
        return at < 0 ? null : ready[(at + CacheHit.Length)..].Trim();
    }
    private const string Exit = "EXIT ";

    public static string ExitLine(int code) => Exit + code.ToString(CultureInfo.InvariantCulture) + "\n";

    /// <summary>The code of an "EXIT code" line (without or with its newline); null for anything else.</summary>
    public static uint? ParseExit(string line) =>
        line.StartsWith(Exit, StringComparison.Ordinal)
        && uint.TryParse(line.AsSpan(Exit.Length).TrimEnd('\n'), NumberStyles.None, CultureInfo.InvariantCulture, out var code)
        && code <= 255
            ? code
            : null;
}
