using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    [LibraryImport("libc", EntryPoint = "writev", SetLastError = true)]
    public static partial nint Writev(int fd, IoVec* iov, int iovcnt);
}
