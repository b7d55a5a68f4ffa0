using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

/// <summary>
/// open/write/close for cgroup interface files. A cgroup file takes one value per write(2) and reports a
/// rejected value as that write's errno (EINVAL, EBUSY, ...), which .NET streams would blur into IOException.
/// </summary>
public static unsafe partial class CgroupSyscalls
{
    public const int O_RDONLY = 0, O_WRONLY = 1, O_TRUNC = 0x200, O_CLOEXEC = 0x80000;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenRaw(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint WriteRaw(int fd, byte* buf, nint count);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint ReadRaw(int fd, byte* buf, nint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int CloseRaw(int fd);

    /// <summary>Returns an fd, or -1 with <paramref name="errno"/> set.</summary>
    public static int Open(string path, int flags, out Errno errno)
    {
        while (true)
        {
            var fd = OpenRaw(path, flags | O_CLOEXEC, 0);
            errno = fd < 0 ? ErrnoExtensions.Last() : Errno.None;
            if (errno != Errno.EINTR) return fd;
        }
    }

    public static Errno Write(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            while (true)
            {
                var n = WriteRaw(fd, p, data.Length);
                if (n >= 0) return n == data.Length ? Errno.None : Errno.EAGAIN;
                var errno = ErrnoExtensions.Last();
                if (errno != Errno.EINTR) return errno;
            }
        }
    }

    /// <summary>Reads up to buffer.Length bytes; returns the count, or -1 with <paramref name="errno"/> set.</summary>
    public static int Read(int fd, Span<byte> buffer, out Errno errno)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var n = ReadRaw(fd, p, buffer.Length);
                errno = n < 0 ? ErrnoExtensions.Last() : Errno.None;
                if (errno != Errno.EINTR) return (int)n;
            }
        }
    }

    public static void Close(int fd) => CloseRaw(fd); // close(2) must not be retried on EINTR (the fd is gone).
}
