using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

/// <summary>
/// openat2(2): opens a path inside a root directory the way the container sees it (absolute symlinks
/// resolve against the root, `..` cannot climb out), so reading an image's entrypoint never touches the host.
/// </summary>
public static unsafe class Openat2
{
    private const long SysOpenat2 = 437;
    private const ulong RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_IN_ROOT = 0x10;

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    /// <summary>Returns an fd or -errno.</summary>
    public static int OpenInRoot(int rootFd, string relativePath, int flags)
    {
        var how = new OpenHow { Flags = (ulong)(flags | Libc.O_CLOEXEC), Resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
        var path = System.Text.Encoding.UTF8.GetBytes(relativePath + "\0");
        fixed (byte* p = path)
        {
            while (true)
            {
                var fd = Libc.Syscall(SysOpenat2, rootFd, (long)p, (long)&how, sizeof(OpenHow));
                if (fd >= 0)
                {
                    return (int)fd;
                }
                var e = Libc.Errno;
                if (e != Libc.EINTR && e != Libc.EAGAIN)
                {
                    return -e;
                }
            }
        }
    }
}
