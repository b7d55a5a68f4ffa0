using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    [LibraryImport("libc", EntryPoint = "sched_yield", SetLastError = true)]
    public static partial int SchedYield();
}
