using Wasmcell.Wasi.Abi;
using Wasmcell.Wasi.Sys;

namespace Wasmcell.Wasi.Groups;

/// <summary>preview1 sockets: sock_accept (3 args), sock_recv, sock_send, sock_shutdown. The
/// WasmEdge extension is in Sock.WasmEdge.cs. Host socket fds are always O_NONBLOCK; guest
/// blocking is emulated by waiting together with the stop event.</summary>
internal static unsafe partial class Sock
{
    private static Errno Socket(WasiHost h, int fd, out FdEntry entry)
    {
        if (!h.Fds.TryGet(fd, out entry))
        {
            return Errno.BadF;
        }

        return entry.IsSocket ? Errno.Success : Errno.NotSock;
    }

    /// <summary>
    /// Runs `op` until it stops saying EAGAIN. Unless the guest made the fd non-blocking, it first
    /// waits for `events` together with the stop event: a preopened listener is the caller's
    /// socket and may be in blocking mode, so calling accept before readiness could hang for good.
    /// </summary>
    private static Errno Retry(WasiHost h, FdEntry entry, short events, Func<nint> op, out nint result)
    {
        while (true)
        {
            if (!entry.NonBlocking)
            {
                h.Stop.WaitFor(entry.HostFd, events);
            }
            else if (!StopSignal.IsReady(entry.HostFd, events)) { result = -1; return Errno.Again; }
            result = op();
            if (result >= 0)
            {
                return Errno.Success;
            }

            var errno = Libc.Errno;
            if (errno == LinuxErrno.EINTR)
            {
                continue;
            }

            if (errno != LinuxErrno.EAGAIN || entry.NonBlocking)
            {
                return ErrnoMapping.FromLinux(errno);
            }
        }
    }

    /// <summary>sock_accept(fd, flags, *new_fd) — preview1. Flags may only be NONBLOCK.</summary>
    /// <returns>BadF, NotSock, Inval (flags or not listening), Again (non-blocking, nobody waiting).
    /// https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#sock_accept</returns>
    public static Errno SockAccept(WasiHost h, int fd, int flags, int newFd)
    {
        if ((flags & ~(int)FdFlags.NonBlock) != 0)
        {
            return Errno.Inval;
        }

        var e = Accept(h, fd, out var accepted);
        if (e != Errno.Success)
        {
            return e;
        }

        accepted.Flags = (FdFlags)(ushort)flags;
        return Insert(h, accepted, newFd);
    }

    internal static Errno Accept(WasiHost h, int fd, out FdEntry accepted)
    {
        accepted = null!;
        var e = Socket(h, fd, out var listener);
        if (e != Errno.Success)
        {
            return e;
        }

        if ((listener.Base & Rights.SockAccept) == 0)
        {
            return Errno.NotCapable;
        }

        e = Retry(h, listener, Libc.POLLIN, () => Libc.Accept4(listener.HostFd, null, null, Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC), out nint conn);
        if (e != Errno.Success)
        {
            return e;
        }

        accepted = new FdEntry
        {
            HostFd = (int)conn,
            Type = FileType.SocketStream,
            Base = Rights.Socket & ~Rights.SockAccept,
            Inheriting = Rights.None,
        };
        return Errno.Success;
    }

    internal static Errno Insert(WasiHost h, FdEntry entry, int fdPtr)
    {
        var e = h.Fds.Insert(entry, out int fd);
        if (e != Errno.Success) { Libc.Close(entry.HostFd); return e; }
        h.Memory.WriteU32(fdPtr, (uint)fd);
        return Errno.Success;
    }

    /// <summary>sock_recv(fd, ri_data, ri_data_len, ri_flags, *ro_datalen, *ro_flags). ri_flags:
    /// RECV_PEEK=1, RECV_WAITALL=2; ro_flags: RECV_DATA_TRUNCATED=1 (datagrams).</summary>
    public static Errno SockRecv(WasiHost h, int fd, int iovs, int iovsLen, int riFlags, int roDataLen, int roFlags)
    {
        var e = Socket(h, fd, out var entry);
        if (e != Errno.Success)
        {
            return e;
        }

        if ((riFlags & ~3) != 0)
        {
            return Errno.Inval;
        }

        e = Fd.Gather(h, iovs, iovsLen, out var vecs);
        if (e != Errno.Success)
        {
            return e;
        }

        int flags = ((riFlags & 1) != 0 ? Libc.MSG_PEEK : 0) | ((riFlags & 2) != 0 ? Libc.MSG_WAITALL : 0);
        int outFlags = 0;
        e = Retry(h, entry, Libc.POLLIN, () =>
        {
            fixed (IoVec* v = vecs)
            {
                var msg = new MsgHdr { Iov = v, IovLength = (nuint)vecs.Length };
                nint n = Libc.Recvmsg(entry.HostFd, &msg, flags);
                outFlags = msg.Flags;
                return n;
            }
        }, out nint received);
        if (e != Errno.Success)
        {
            return e;
        }

        h.Memory.WriteU32(roDataLen, (uint)received);
        h.Memory.WriteU16(roFlags, (ushort)((outFlags & Libc.MSG_TRUNC) != 0 ? 1 : 0));
        return Errno.Success;
    }

    /// <summary>sock_send(fd, si_data, si_data_len, si_flags, *so_datalen). si_flags must be 0.</summary>
    public static Errno SockSend(WasiHost h, int fd, int iovs, int iovsLen, int siFlags, int soDataLen)
    {
        _ = siFlags;
        var e = Socket(h, fd, out var entry);
        if (e != Errno.Success)
        {
            return e;
        }

        e = Fd.Gather(h, iovs, iovsLen, out var vecs);
        if (e != Errno.Success)
        {
            return e;
        }

        e = Retry(h, entry, Libc.POLLOUT, () =>
        {
            fixed (IoVec* v = vecs)
            {
                var msg = new MsgHdr { Iov = v, IovLength = (nuint)vecs.Length };
                return Libc.Sendmsg(entry.HostFd, &msg, Libc.MSG_NOSIGNAL);
            }
        }, out nint sent);
        if (e != Errno.Success)
        {
            return e;
        }

        h.Memory.WriteU32(soDataLen, (uint)sent);
        return Errno.Success;
    }

    /// <summary>sock_shutdown(fd, how): how is sdflags RD=1, WR=2.</summary>
    /// <returns>BadF, NotSock, Inval (how is 0 or unknown), NotConn.</returns>
    public static Errno SockShutdown(WasiHost h, int fd, int how)
    {
        var e = Socket(h, fd, out var entry);
        if (e != Errno.Success)
        {
            return e;
        }

        int linux = how switch { 1 => Libc.SHUT_RD, 2 => Libc.SHUT_WR, 3 => Libc.SHUT_RDWR, _ => -1 };
        if (linux < 0)
        {
            return Errno.Inval;
        }

        return Libc.Shutdown(entry.HostFd, linux) == 0 ? Errno.Success : ErrnoMapping.FromLinux(Libc.Errno);
    }
}
