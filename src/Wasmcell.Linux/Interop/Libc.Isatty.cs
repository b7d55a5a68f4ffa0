using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    [LibraryImport("libc", EntryPoint = "isatty", SetLastError = true)]
    public static partial int Isatty(int fd);
}
