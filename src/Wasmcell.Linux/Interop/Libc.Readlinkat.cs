using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    [LibraryImport("libc", EntryPoint = "readlinkat", SetLastError = true)]
    public static partial nint Readlinkat(int dirFd, byte* path, byte* buf, nuint size);
}
