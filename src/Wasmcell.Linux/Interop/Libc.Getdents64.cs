using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    [LibraryImport("libc", EntryPoint = "getdents64", SetLastError = true)]
    public static partial nint Getdents64(int fd, byte* buf, nuint count);
}
