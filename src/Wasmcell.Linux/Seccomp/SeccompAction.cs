namespace Wasmcell.Linux.Seccomp;

/// <summary>
/// The SECCOMP_RET_* values a filter returns (linux/seccomp.h). When several filters are installed the kernel
/// applies the most restrictive answer: kill, trap, errno, notify, trace, log, allow, in that order.
/// </summary>
public static class SeccompAction
{
    public const uint KillProcess = 0x80000000;
    public const uint KillThread = 0x00000000;
    public const uint Trap = 0x00030000;
    public const uint Trace = 0x7ff00000;
    public const uint UserNotify = 0x7fc00000;
    public const uint Log = 0x7ffc0000;
    public const uint Allow = 0x7fff0000;

    private const uint ErrnoBase = 0x00050000;
    private const uint DataMask = 0x0000ffff;

    /// <summary>The call fails with <paramref name="errno"/> and has no effect.</summary>
    public static uint Errno(Errno errno) => ErrnoBase | ((uint)errno & DataMask);

    /// <summary>Same as <see cref="Errno(Linux.Errno)"/> for a raw errno value (an OCI profile's errnoRet).</summary>
    public static uint Errno(uint errno) => ErrnoBase | (errno & DataMask);
}
