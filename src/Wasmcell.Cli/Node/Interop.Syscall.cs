using System.Runtime.InteropServices;

namespace Wasmcell.Cli.Node;

/// <summary>Raw syscalls for kernel feature probes (glibc has no wrappers for openat2 in Debian 12).</summary>
internal static partial class Interop
{
    // Syscall numbers from 424 on are the same on every architecture (asm-generic unification, Linux 5.1).
    public const nint SysPidfdOpen = 434;
    public const nint SysOpenat2 = 437;

    public const int AtFdCwd = -100;

    /// <summary>errno values used by the probes (x86_64 and aarch64 share them).</summary>
    public enum Errno
    {
        EPERM = 1,
        EINTR = 4,
        EINVAL = 22,
        ENOSYS = 38,
    }

    /// <summary><c>struct open_how</c> (linux/openat2.h); its size is passed to the kernel.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    public const ulong ORdOnly = 0;
    public const ulong ODirectory = 0x10000;
    public const ulong OCloexec = 0x80000;
    public const ulong ResolveBeneath = 0x08;

    // glibc's syscall() only moves registers, so declaring it with fixed arguments is safe on
    // x86_64 and aarch64 Linux.
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    public static partial nint Syscall(nint number, nint arg1, nint arg2, nint arg3, nint arg4);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>Runs a syscall, retrying on EINTR; returns the result or the typed errno.</summary>
    public static (nint Result, Errno Error) SyscallRetrying(nint number, nint arg1, nint arg2, nint arg3, nint arg4)
    {
        while (true)
        {
            var result = Syscall(number, arg1, arg2, arg3, arg4);
            if (result >= 0)
            {
                return (result, 0);
            }
            var error = (Errno)Marshal.GetLastPInvokeError();
            if (error != Errno.EINTR)
            {
                return (result, error);
            }
        }
    }
}
