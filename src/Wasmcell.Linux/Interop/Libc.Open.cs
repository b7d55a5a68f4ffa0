using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static partial class Libc
{
    public const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_ACCMODE = 3;
    public const int O_CREAT = 0x40, O_EXCL = 0x80, O_NOCTTY = 0x100, O_TRUNC = 0x200, O_APPEND = 0x400,
        O_NONBLOCK = 0x800, O_DSYNC = 0x1000, O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000,
        O_CLOEXEC = 0x80000, O_SYNC = 0x101000, O_PATH = 0x200000;

    /// <summary>open(2). Returns an fd, or -1 with <see cref="Errno"/> set.</summary>
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, int mode);

    /// <summary>
    /// open(2) with O_CLOEXEC, repeated on EINTR (opening a FIFO blocks until a peer arrives, so a signal can
    /// interrupt it). <paramref name="fd"/> is invalid when the result is not <see cref="Errno.None"/>.
    /// </summary>
    public static Errno TryOpen(string path, int flags, out SafeFdHandle fd)
    {
        while (true)
        {
            var raw = Open(path, flags | O_CLOEXEC, 0);
            var errno = raw < 0 ? Errno : Errno.None;
            if (errno != Errno.EINTR)
            {
                fd = new SafeFdHandle(raw);
                return errno;
            }
        }
    }
}
