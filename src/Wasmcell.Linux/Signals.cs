namespace Wasmcell.Linux;

/// <summary>Signal numbers (the same on x86-64 and arm64).</summary>
public static class Signals
{
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int SIGCHLD = 17;
    public const int SIGCONT = 18;
    public const int SIGURG = 23;
    public const int SIGWINCH = 28;
}
