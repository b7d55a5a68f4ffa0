namespace Wasmcell.Linux;

/// <summary>
/// The CPU time a thread of this process has used, read from any thread of it: the kernel's per-thread CPU clock
/// (what pthread_getcpuclockid returns, made from the tid as the kernel's MAKE_THREAD_CPUCLOCK does).
/// </summary>
public static class ThreadCpuClock
{
    private const int CpuClockSched = 2, CpuClockPerThread = 4;

    /// <summary>Nanoseconds of CPU used by thread <paramref name="tid"/>; null once it has exited.</summary>
    public static unsafe long? Nanoseconds(int tid)
    {
        var clock = (~tid << 3) | CpuClockSched | CpuClockPerThread;
        Timespec ts;
        return Libc.ClockGettime(clock, &ts) == 0 ? (ts.Seconds * 1_000_000_000L) + ts.Nanoseconds : null;
    }
}
