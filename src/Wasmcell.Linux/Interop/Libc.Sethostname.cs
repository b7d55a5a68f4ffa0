using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    [LibraryImport("libc", EntryPoint = "sethostname", SetLastError = true)]
    public static partial int Sethostname(byte* name, nuint length);
}
