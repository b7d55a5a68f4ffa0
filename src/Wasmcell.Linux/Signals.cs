namespace Wasmcell.Linux;

/// <summary>Signal numbers (the same on x86-64 and arm64).</summary>
public static class Signals
{
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
}
