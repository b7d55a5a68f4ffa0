using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true)]
    public static partial int Mkdirat(int dirFd, byte* path, uint mode);
}
