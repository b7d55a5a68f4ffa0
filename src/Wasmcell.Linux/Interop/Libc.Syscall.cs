using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static partial class Libc
{
    // Syscall numbers from 424 on are the same on every architecture (asm-generic unification, Linux 5.1).
    public const long SYS_pidfd_open = 434, SYS_openat2 = 437;

    /// <summary>
    /// syscall(2), for the calls Debian 12's glibc has no wrapper for. glibc's syscall() only moves registers,
    /// so declaring it with fixed arguments is safe on x86-64 and arm64. Returns -1 with <see cref="Errno"/> set.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    public static partial long Syscall(long number, long a1, long a2, long a3, long a4);
}
