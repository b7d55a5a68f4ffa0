using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    public static partial int Connect(int fd, byte* addr, uint len);
}
