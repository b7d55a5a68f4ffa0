using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int Ftruncate(int fd, long length);
}
