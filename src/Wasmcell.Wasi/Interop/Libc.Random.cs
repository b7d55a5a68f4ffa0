using System.Runtime.InteropServices;

namespace Wasmcell.Wasi.Interop;

/// <summary>
/// getrandom(2), the kernel's CSPRNG. .NET's RandomNumberGenerator goes through OpenSSL, whose first use
/// loads libssl and libcrypto into the cell (~2.5 ms and 3.4 MiB of RSS) for what is one syscall.
/// </summary>
internal static unsafe partial class Libc
{
    [LibraryImport("libc", SetLastError = true)] internal static partial nint getrandom(byte* buf, nuint count, uint flags);
}
