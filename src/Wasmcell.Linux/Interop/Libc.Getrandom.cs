using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    /// <summary>getrandom(2), the kernel's CSPRNG. .NET's RandomNumberGenerator goes through OpenSSL, whose first use loads libssl and libcrypto into the cell (~2.5 ms and 3.4 MiB of RSS) for what is one syscall.</summary>
    [LibraryImport("libc", EntryPoint = "getrandom", SetLastError = true)]
    public static partial nint Getrandom(byte* buf, nuint count, uint flags);
}
