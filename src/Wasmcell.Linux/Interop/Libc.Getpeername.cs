using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    [LibraryImport("libc", EntryPoint = "getpeername", SetLastError = true)]
    public static partial int Getpeername(int fd, byte* addr, uint* len);
}
