using System.Runtime.InteropServices;
using System.Text;

namespace Wasmcell.Linux;

/// <summary>
/// The two unix-socket operations `start` and `delete` need, as plain syscalls: System.Net.Sockets costs
/// those short-lived processes its own start-up (and an epoll thread for a connect with a timeout).
/// </summary>
public static unsafe partial class UnixSockets
{
    private const int SunPathLength = 108;

    /// <summary>Two connected stream sockets (O_CLOEXEC): a channel whose end can be read with System.Net.Sockets.</summary>
    public static (int A, int B) Pair() => Libc.Socketpair(Libc.SOCK_STREAM, "SOCK_STREAM");

    /// <summary>A listening socket bound to <paramref name="path"/> (O_CLOEXEC), or -1 when the path is in use.</summary>
    public static int Listen(string path, int backlog)
    {
        var fd = NewSocket(0);
        var address = SockaddrUn(path);
        fixed (byte* a = address)
        {
            if (Libc.Bind(fd, a, (uint)address.Length) != 0)
            {
                var errno = Libc.Errno;
                Libc.Close(fd);
                return errno == Errno.EADDRINUSE ? -1 : throw Failure("bind", path, errno);
            }
        }
        if (Libc.Listen(fd, backlog) != 0)
        {
            var errno = Libc.Errno;
            Libc.Close(fd);
            throw Failure("listen", path, errno);
        }
        return fd;
    }

    /// <summary>
    /// Whether something accepts connections on <paramref name="path"/>. A non-blocking connect to a unix
    /// socket answers at once: 0 (accepted into the backlog), EAGAIN (backlog full, so alive), or
    /// ECONNREFUSED/ENOENT (nobody listens).
    /// </summary>
    public static bool IsServing(string path)
    {
        var fd = NewSocket(Libc.SOCK_NONBLOCK);
        try
        {
            var address = SockaddrUn(path);
            fixed (byte* a = address)
            {
                if (Libc.Connect(fd, a, (uint)address.Length) == 0)
                {
                    return true;
                }
            }
            var errno = Libc.Errno;
            return errno == Errno.EAGAIN || (errno is not (Errno.ECONNREFUSED or Errno.ENOENT or Errno.EINVAL)
                ? throw Failure("connect", path, errno) : false);
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    /// <summary>
    /// A blocking connection to <paramref name="path"/> whose reads and writes give up after <paramref name="timeout"/>,
    /// or null when nobody listens there (ECONNREFUSED, ENOENT): a stale socket file.
    /// </summary>
    public static UnixSocketStream? TryConnect(string path, TimeSpan timeout)
    {
        var fd = new SafeFdHandle(NewSocket(0));
        try
        {
            var tv = stackalloc long[2] { (long)timeout.TotalSeconds, timeout.Milliseconds * 1000L };
            if (Libc.Setsockopt(fd.Fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, tv, 16) != 0
                || Libc.Setsockopt(fd.Fd, Libc.SOL_SOCKET, Libc.SO_SNDTIMEO, tv, 16) != 0)
            {
                throw Failure("setsockopt", path, Libc.Errno);
            }
            var address = SockaddrUn(path);
            fixed (byte* a = address)
            {
                while (Libc.Connect(fd.Fd, a, (uint)address.Length) != 0)
                {
                    var errno = Libc.Errno;
                    if (errno is Errno.ECONNREFUSED or Errno.ENOENT)
                    {
                        fd.Dispose();
                        return null;
                    }
                    if (errno != Errno.EINTR)
                    {
                        throw Failure("connect", path, errno);
                    }
                }
            }
            return new UnixSocketStream(fd);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    private static int NewSocket(int flags)
    {
        var fd = Libc.Socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC | flags, 0);
        return fd >= 0 ? fd : throw new IOException($"socket(AF_UNIX): {Libc.ErrorText(Libc.Errno)}");
    }

    /// <summary>struct sockaddr_un: sa_family, then the NUL-terminated path.</summary>
    private static byte[] SockaddrUn(string path)
    {
        var bytes = Encoding.UTF8.GetBytes(path);
        if (bytes.Length >= SunPathLength)
        {
            throw new IOException($"socket path {path} is too long ({bytes.Length} bytes, at most {SunPathLength - 1})");
        }
        var address = new byte[2 + bytes.Length + 1];
        address[0] = Libc.AF_UNIX;
        bytes.CopyTo(address, 2);
        return address;
    }

    private static IOException Failure(string call, string path, Errno errno) =>
        new($"{call} {path}: {Libc.ErrorText(errno)}");
}
