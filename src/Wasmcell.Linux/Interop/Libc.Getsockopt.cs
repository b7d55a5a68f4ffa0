using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    public static partial int Getsockopt(int fd, int level, int name, void* value, uint* len);
}
