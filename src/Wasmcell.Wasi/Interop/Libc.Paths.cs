using System.Runtime.InteropServices;

namespace Wasmcell.Wasi.Interop;

/// <summary>libc calls that take a directory fd and a path (the *at family) and openat2.</summary>
internal static unsafe partial class Libc
{
    [LibraryImport("libc", SetLastError = true)] internal static partial int mkdirat(int dirfd, byte* path, uint mode);
    [LibraryImport("libc", SetLastError = true)] internal static partial int unlinkat(int dirfd, byte* path, int flags);
    [LibraryImport("libc", SetLastError = true)] internal static partial int renameat(int olddirfd, byte* oldpath, int newdirfd, byte* newpath);
    [LibraryImport("libc", SetLastError = true)] internal static partial int linkat(int olddirfd, byte* oldpath, int newdirfd, byte* newpath, int flags);
    [LibraryImport("libc", SetLastError = true)] internal static partial int symlinkat(byte* target, int newdirfd, byte* linkpath);
    [LibraryImport("libc", SetLastError = true)] internal static partial nint readlinkat(int dirfd, byte* path, byte* buf, nuint size);
    [LibraryImport("libc", SetLastError = true)] internal static partial int utimensat(int dirfd, byte* path, Timespec* times, int flags);

    // glibc has no openat2 wrapper; 437 is the syscall number on every Linux architecture
    // (it is in the unified table added in 5.1+, same on x86_64 and arm64).
    [LibraryImport("libc", SetLastError = true)] private static partial long syscall(long number, int dirfd, byte* path, OpenHow* how, nuint size);
    private const long SYS_openat2 = 437;

    internal const ulong RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_BENEATH = 0x08;

    internal static int openat2(int dirfd, byte* path, OpenHow* how) =>
        (int)syscall(SYS_openat2, dirfd, path, how, (nuint)sizeof(OpenHow));
}

[StructLayout(LayoutKind.Sequential)]
internal struct OpenHow
{
    public ulong Flags;
    public ulong Mode;
    public ulong Resolve;
}
