using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    public const long UTIME_NOW = (1L << 30) - 1, UTIME_OMIT = (1L << 30) - 2;

    [LibraryImport("libc", EntryPoint = "futimens", SetLastError = true)]
    public static partial int Futimens(int fd, Timespec* times);
}
