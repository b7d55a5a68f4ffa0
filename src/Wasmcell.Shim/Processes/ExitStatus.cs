namespace Wasmcell.Shim.Processes;

/// <summary>A reaped process's status in container terms: the exit code, or 128 + the killing signal.</summary>
public readonly record struct ExitStatus(uint Code, DateTimeOffset At)
{
    public static ExitStatus FromWaitStatus(int status, DateTimeOffset at)
    {
        var termSig = status & 0x7f;
        return termSig == 0
            ? new ExitStatus((uint)((status >> 8) & 0xff), at)
            : new ExitStatus(128u + (uint)termSig, at);
    }
}
