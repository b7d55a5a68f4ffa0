using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    [LibraryImport("libc", EntryPoint = "pwritev", SetLastError = true)]
    public static partial nint Pwritev(int fd, IoVec* iov, int iovcnt, long offset);
}
