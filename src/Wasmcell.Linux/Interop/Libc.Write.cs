using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    /// <summary>write(2). Returns the count written, or -1 with <see cref="Errno"/> set.</summary>
    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buf, nint count);

    /// <summary>Writes all of <paramref name="data"/>, however many write(2) calls it takes; errors throw.</summary>
    public static void WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            var off = 0;
            while (off < data.Length)
            {
                var n = Write(fd, p + off, data.Length - off);
                if (n < 0)
                {
                    var e = Errno;
                    if (e == Errno.EINTR)
                    {
                        continue;
                    }
                    throw IoError("write", e);
                }
                off += (int)n;
            }
        }
    }

    /// <summary>
    /// Exactly one write(2) of all of <paramref name="data"/> (repeated only on EINTR): a cgroup file takes one
    /// value per write and reports a rejected value as that write's errno. A short write reads as EAGAIN.
    /// </summary>
    public static Errno WriteOnce(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            while (true)
            {
                var n = Write(fd, p, data.Length);
                if (n >= 0)
                {
                    return n == data.Length ? Errno.None : Errno.EAGAIN;
                }
                var errno = Errno;
                if (errno != Errno.EINTR)
                {
                    return errno;
                }
            }
        }
    }
}
