using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "setsid", SetLastError = true)]
    public static partial int Setsid();
}
