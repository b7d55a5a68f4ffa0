using System.Runtime.InteropServices;

namespace Wasmcell.Wasi.Interop;

/// <summary>libc calls on open file descriptors. Every call returns -1 and sets errno on failure.</summary>
internal static unsafe partial class Libc
{
    [LibraryImport("libc", SetLastError = true)] internal static partial int close(int fd);
    [LibraryImport("libc", SetLastError = true)] internal static partial int dup(int fd);
    [LibraryImport("libc", SetLastError = true)] internal static partial int fcntl(int fd, int cmd, int arg);
    [LibraryImport("libc", SetLastError = true)] internal static partial nint readv(int fd, IoVec* iov, int iovcnt);
    [LibraryImport("libc", SetLastError = true)] internal static partial nint writev(int fd, IoVec* iov, int iovcnt);
    [LibraryImport("libc", SetLastError = true)] internal static partial nint preadv(int fd, IoVec* iov, int iovcnt, long offset);
    [LibraryImport("libc", SetLastError = true)] internal static partial nint pwritev(int fd, IoVec* iov, int iovcnt, long offset);
    [LibraryImport("libc", SetLastError = true)] internal static partial long lseek(int fd, long offset, int whence);
    [LibraryImport("libc", SetLastError = true)] internal static partial int fsync(int fd);
    [LibraryImport("libc", SetLastError = true)] internal static partial int fdatasync(int fd);
    [LibraryImport("libc", SetLastError = true)] internal static partial int ftruncate(int fd, long length);
    // posix_fallocate/posix_fadvise return the error number instead of setting errno.
    [LibraryImport("libc")] internal static partial int posix_fallocate(int fd, long offset, long len);
    [LibraryImport("libc")] internal static partial int posix_fadvise(int fd, long offset, long len, int advice);
    [LibraryImport("libc", SetLastError = true)] internal static partial int futimens(int fd, Timespec* times);
    [LibraryImport("libc", SetLastError = true)] internal static partial int isatty(int fd);
    [LibraryImport("libc", SetLastError = true)] internal static partial int pipe2(int* fds, int flags);
    [LibraryImport("libc", SetLastError = true)] internal static partial nint getdents64(int fd, byte* buf, nuint count);
    [LibraryImport("libc", SetLastError = true)] internal static partial int ioctl(int fd, nuint request, int* arg);
    [LibraryImport("libc", SetLastError = true)] internal static partial int statx(int dirfd, byte* path, int flags, uint mask, byte* statxbuf);

    internal const int F_GETFL = 3, F_SETFL = 4;
    internal const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_ACCMODE = 3;
    internal const int O_CREAT = 0x40, O_EXCL = 0x80, O_NOCTTY = 0x100, O_TRUNC = 0x200, O_APPEND = 0x400,
        O_NONBLOCK = 0x800, O_DSYNC = 0x1000, O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000,
        O_CLOEXEC = 0x80000, O_SYNC = 0x101000, O_PATH = 0x200000;
    internal const int SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2;
    internal const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200,
        AT_SYMLINK_FOLLOW = 0x400, AT_EMPTY_PATH = 0x1000;
    internal const nuint FIONREAD = 0x541B;
    internal const long UTIME_NOW = (1L << 30) - 1, UTIME_OMIT = (1L << 30) - 2;

    /// <summary>Last errno of a call marked SetLastError.</summary>
    internal static int Errno => Marshal.GetLastPInvokeError();
    internal const int EINTR = 4, EAGAIN = 11;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoVec
{
    public byte* Base;
    public nuint Length;
}

[StructLayout(LayoutKind.Sequential)]
internal struct Timespec
{
    public long Seconds;
    public long Nanoseconds;
}
