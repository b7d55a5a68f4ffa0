using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

/// <summary>
/// Messages with file descriptors over a unix SOCK_SEQPACKET socket (SCM_RIGHTS): each send is one message,
/// read whole by one receive, with the fds it carried. System.Net.Sockets passes no fds.
/// </summary>
public static unsafe class FdChannel
{
    /// <summary>The most fds one message carries (the kernel's SCM_MAX_FD is 253).</summary>
    public const int MaxFds = 64;

    private const int SCM_RIGHTS = 1;

    /// <summary>Two connected SOCK_SEQPACKET sockets, close-on-exec.</summary>
    public static (int A, int B) Pair() => Libc.Socketpair(Libc.SOCK_SEQPACKET, "SOCK_SEQPACKET");

    /// <summary>
    /// Sends <paramref name="message"/> with copies of <paramref name="fds"/> (the caller keeps its own). Waits
    /// for room when the socket is non-blocking and full; throws when the peer is gone.
    /// </summary>
    public static void Send(int socket, ReadOnlySpan<byte> message, ReadOnlySpan<int> fds)
    {
        if (fds.Length > MaxFds)
        {
            throw new ArgumentException($"at most {MaxFds} fds per message", nameof(fds));
        }
        var controlLength = fds.Length == 0 ? 0 : Space(fds.Length * sizeof(int));
        byte* control = stackalloc byte[Math.Max(controlLength, 1)];
        new Span<byte>(control, Math.Max(controlLength, 1)).Clear();
        if (fds.Length > 0)
        {
            var header = (CmsgHdr*)control;
            header->Length = (nuint)(sizeof(CmsgHdr) + (fds.Length * sizeof(int)));
            header->Level = Libc.SOL_SOCKET;
            header->Type = SCM_RIGHTS;
            fds.CopyTo(new Span<int>(control + sizeof(CmsgHdr), fds.Length));
        }
        fixed (byte* data = message)
        {
            var iov = new IoVec { Base = data, Length = (nuint)message.Length };
            var msg = new MsgHdr { Iov = &iov, IovLength = 1, Control = fds.Length == 0 ? null : control, ControlLength = (nuint)controlLength };
            while (Libc.Sendmsg(socket, &msg, Libc.MSG_NOSIGNAL) < 0)
            {
                var errno = Libc.Errno;
                if (errno == Errno.EINTR)
                {
                    continue;
                }
                if (errno != Errno.EAGAIN)
                {
                    throw Libc.IoError("sendmsg", errno);
                }
                var pfd = new PollFd { Fd = socket, Events = Libc.POLLOUT };
                Libc.Poll(&pfd, 1, 1000);
            }
        }
    }

    /// <summary>
    /// Receives one message into <paramref name="buffer"/> (blocking), the fds it carried into <paramref name="fds"/>.
    /// Returns the message length and fd count; 0 bytes and 0 fds at EOF. A message or fd list that did not fit
    /// is an error (its fds are closed), never a silent truncation.
    /// </summary>
    public static (int Length, int FdCount) Receive(int socket, Span<byte> buffer, Span<int> fds)
    {
        var controlLength = Space(MaxFds * sizeof(int));
        byte* control = stackalloc byte[controlLength];
        fixed (byte* data = buffer)
        {
            var iov = new IoVec { Base = data, Length = (nuint)buffer.Length };
            var msg = new MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = (nuint)controlLength };
            nint n;
            while ((n = Libc.Recvmsg(socket, &msg, Libc.MSG_CMSG_CLOEXEC)) < 0)
            {
                var errno = Libc.Errno;
                if (errno != Errno.EINTR)
                {
                    throw Libc.IoError("recvmsg", errno);
                }
            }
            var count = 0;
            var truncated = (msg.Flags & (Libc.MSG_TRUNC | Libc.MSG_CTRUNC)) != 0;
            if (msg.ControlLength >= (nuint)sizeof(CmsgHdr))
            {
                var header = (CmsgHdr*)control;
                if (header->Level == Libc.SOL_SOCKET && header->Type == SCM_RIGHTS)
                {
                    var received = (int)((header->Length - (nuint)sizeof(CmsgHdr)) / sizeof(int));
                    var carried = new ReadOnlySpan<int>(control + sizeof(CmsgHdr), received);
                    if (received > fds.Length || truncated)
                    {
                        foreach (var fd in carried)
                        {
                            Libc.CloseQuietly(fd);
                        }
                        throw new IOException($"a message of {n} bytes with {received} fds did not fit ({buffer.Length} bytes, {fds.Length} fds)");
                    }
                    carried.CopyTo(fds);
                    count = received;
                }
            }
            return truncated ? throw new IOException($"a message did not fit in {buffer.Length} bytes") : ((int)n, count);
        }
    }

    private static int Space(int dataLength) => sizeof(CmsgHdr) + ((dataLength + 7) & ~7);

    /// <summary>struct cmsghdr (x86-64: a size_t length, then level and type).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct CmsgHdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }
}
