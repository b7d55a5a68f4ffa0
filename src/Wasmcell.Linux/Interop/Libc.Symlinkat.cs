using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    [LibraryImport("libc", EntryPoint = "symlinkat", SetLastError = true)]
    public static partial int Symlinkat(byte* target, int newDirFd, byte* linkPath);
}
