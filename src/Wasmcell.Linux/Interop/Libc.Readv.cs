using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    [LibraryImport("libc", EntryPoint = "readv", SetLastError = true)]
    public static partial nint Readv(int fd, IoVec* iov, int iovcnt);
}
