using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    public static partial int ClockGettime(int clockId, Timespec* ts);
}
