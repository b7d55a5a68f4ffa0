using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true)]
    public static partial int Unlinkat(int dirFd, byte* path, int flags);
}
