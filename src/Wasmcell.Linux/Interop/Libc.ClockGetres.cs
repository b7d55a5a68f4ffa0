using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    [LibraryImport("libc", EntryPoint = "clock_getres", SetLastError = true)]
    public static partial int ClockGetres(int clockId, Timespec* ts);
}
