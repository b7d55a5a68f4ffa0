
namespace Wasmcell.Wasi.Sys;

/// <summary>Host clocks by Linux clock id (WASI ids 0..3 map to CLOCK_REALTIME, MONOTONIC, PROCESS_CPUTIME_ID, THREAD_CPUTIME_ID).</summary>
internal static unsafe class Clocks
{
    public const int Realtime = 0, Monotonic = 1, ProcessCpu = 2, ThreadCpu = 3;

    public static long MonotonicNs() => Now(Monotonic);

    public static long Now(int linuxClock)
    {
        Timespec ts;
        Libc.ClockGettime(linuxClock, &ts);
        return ts.Seconds * 1_000_000_000 + ts.Nanoseconds;
    }

    public static long Resolution(int linuxClock)
    {
        Timespec ts;
        Libc.ClockGetres(linuxClock, &ts);
        return ts.Seconds * 1_000_000_000 + ts.Nanoseconds;
    }
}
