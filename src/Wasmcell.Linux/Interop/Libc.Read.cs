using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    /// <summary>read(2). Returns the count, 0 at EOF, or -1 with <see cref="Errno"/> set.</summary>
    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buf, nint count);

    /// <summary>
    /// Reads up to <paramref name="buffer"/>.Length bytes; 0 means EOF, -1 that a non-blocking
    /// <paramref name="fd"/> has nothing now (EAGAIN). Other errors throw.
    /// </summary>
    public static int ReadSome(int fd, Span<byte> buffer)
    {
        var n = TryRead(fd, buffer, out var errno);
        return n >= 0 || errno == Errno.EAGAIN ? n : throw IoError("read", errno);
    }

    /// <summary>One read(2), repeated on EINTR; returns the count, or -1 with <paramref name="errno"/> set.</summary>
    public static int TryRead(int fd, Span<byte> buffer, out Errno errno)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var n = Read(fd, p, buffer.Length);
                errno = n < 0 ? Errno : Errno.None;
                if (errno != Errno.EINTR)
                {
                    return (int)n;
                }
            }
        }
    }
}
