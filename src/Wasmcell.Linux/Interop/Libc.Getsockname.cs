using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    [LibraryImport("libc", EntryPoint = "getsockname", SetLastError = true)]
    public static partial int Getsockname(int fd, byte* addr, uint* len);
}
