using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    [LibraryImport("libc", EntryPoint = "preadv", SetLastError = true)]
    public static partial nint Preadv(int fd, IoVec* iov, int iovcnt, long offset);
}
