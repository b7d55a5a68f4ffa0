using System.Runtime.InteropServices;
using System.Text;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    public const int AT_FDCWD = -100;
    public const ulong RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_BENEATH = 0x08, RESOLVE_IN_ROOT = 0x10;

    /// <summary>openat2(2) (Linux 5.6). Returns an fd, or -1 with <see cref="Errno"/> set.</summary>
    public static int Openat2(int dirFd, byte* path, OpenHow* how) =>
        (int)Syscall(SYS_openat2, dirFd, (long)path, (long)how, sizeof(OpenHow));

    /// <summary>
    /// Opens <paramref name="path"/> inside <paramref name="rootFd"/> the way a container sees it: absolute
    /// symlinks resolve against the root and `..` cannot climb out, so reading an image's files never
    /// touches the host. Repeated on EINTR and on EAGAIN (a rename raced the lookup).
    /// </summary>
    public static Errno TryOpenInRoot(int rootFd, string path, int flags, out SafeFdHandle fd)
    {
        var how = new OpenHow { Flags = (ulong)(flags | O_CLOEXEC), Resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
        var bytes = Encoding.UTF8.GetBytes(path.TrimStart('/') + "\0");
        fixed (byte* p = bytes)
        {
            while (true)
            {
                var raw = Openat2(rootFd, p, &how);
                var errno = raw < 0 ? Errno : Errno.None;
                if (errno is not (Errno.EINTR or Errno.EAGAIN))
                {
                    fd = new SafeFdHandle(raw);
                    return errno;
                }
            }
        }
    }
}

/// <summary>struct open_how (linux/openat2.h); its size is passed to the kernel.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct OpenHow
{
    public ulong Flags;
    public ulong Mode;
    public ulong Resolve;
}
