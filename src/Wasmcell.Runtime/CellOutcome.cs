namespace Wasmcell.Runtime;

/// <summary>How a guest ended. Exit codes follow the container convention (see <see cref="ExitCodes"/>).</summary>
public readonly record struct CellOutcome(int ExitCode, string? TrapMessage)
{
    public static CellOutcome Exited(int code) => new(code, null);
}

/// <summary>Exit codes the cell reports besides the guest's own <c>proc_exit</c> value.</summary>
public static class ExitCodes
{
    /// <summary>A trap (unreachable, out-of-bounds access, stack exhaustion...): 128 + SIGABRT, as a native abort would report.</summary>
    public const int Trap = 134;

    /// <summary>Stopped on request (SIGTERM): 128 + SIGTERM.</summary>
    public const int Terminated = 143;

    /// <summary>The module could not be loaded or instantiated.</summary>
    public const int LoadFailed = 125;
}
