using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    [LibraryImport("libc", EntryPoint = "renameat", SetLastError = true)]
    public static partial int Renameat(int oldDirFd, byte* oldPath, int newDirFd, byte* newPath);
}
