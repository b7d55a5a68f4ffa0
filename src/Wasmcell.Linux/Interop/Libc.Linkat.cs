using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    [LibraryImport("libc", EntryPoint = "linkat", SetLastError = true)]
    public static partial int Linkat(int oldDirFd, byte* oldPath, int newDirFd, byte* newPath, int flags);
}
