using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    [LibraryImport("libc", EntryPoint = "utimensat", SetLastError = true)]
    public static partial int Utimensat(int dirFd, byte* path, Timespec* times, int flags);
}
