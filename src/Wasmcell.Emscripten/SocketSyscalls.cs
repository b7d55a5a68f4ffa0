using Wasmcell.Wasi.Abi;
using Wasmcell.Wasi.Sys;

namespace Wasmcell.Emscripten;

/// <summary>
/// socketcall (102): word 0 is the sub-call, word 1 points to six argument words (ABI.md §C.3). The guest's
/// sockaddr_in/in6 bytes are Linux's, so addresses pass through unchanged. Host sockets are always O_NONBLOCK;
/// a guest that did not ask for non-blocking I/O (FIONBIO, SOCK_NONBLOCK, MSG_DONTWAIT) waits interruptibly.
/// Creating sockets follows the cell's one socket policy (README "Networking"): refused with EACCES, as the
/// cell's seccomp filter would, unless <see cref="Wasi.WasiOptions.AllowSocketExtension"/>.
/// </summary>
internal static unsafe class SocketSyscalls
{
    private const int SockAddrMax = 128;
    private const int SO_RCVTIMEO = 20, SO_SNDTIMEO = 21, MSG_DONTWAIT = 0x40;

    public static int Socketcall(EmscriptenHost h, int va)
    {
        var call = h.Arg(va, 0);
        var args = h.Arg(va, 1);
        int A(int i) => h.Arg(args, i);
        return call switch
        {
            1 => Socket(h, A(0), A(1), A(2)),
            2 => WithSocket(h, A(0), e => Bind(h, e, A(1), A(2), connect: false)),
            3 => WithSocket(h, A(0), e => Connect(h, e, A(1), A(2))),
            4 => WithSocket(h, A(0), e => GuestErrno.Result(Libc.Listen(e.HostFd, A(1)))),
            5 => WithSocket(h, A(0), e => Accept(h, e, A(1), A(2))),
            6 => WithSocket(h, A(0), e => Name(h, e, A(1), A(2), peer: false)),
            7 => WithSocket(h, A(0), e => Name(h, e, A(1), A(2), peer: true)),
            11 => WithSocket(h, A(0), e => SendTo(h, e, A(1), A(2), A(3), A(4), A(5))),
            12 => WithSocket(h, A(0), e => RecvFrom(h, e, A(1), A(2), A(3), A(4), A(5))),
            13 => WithSocket(h, A(0), e => GuestErrno.Result(Libc.Shutdown(e.HostFd, A(1)))),
            14 => WithSocket(h, A(0), e => Setsockopt(h, e, A(1), A(2), A(3), A(4))),
            15 => WithSocket(h, A(0), e => Getsockopt(h, e, A(1), A(2), A(3), A(4))),
            // socketpair, sendmsg/recvmsg (32-bit msghdr), accept4: not reached by the supported guests.
            _ => GuestErrno.Negative(LinuxErrno.ENOSYS),
        };
    }

    private static int WithSocket(EmscriptenHost h, int fd, Func<FdEntry, int> op)
    {
        if (!h.Fds.TryGet(fd, out var entry))
        {
            return GuestErrno.Negative(LinuxErrno.EBADF);
        }
        return entry.IsSocket ? op(entry) : GuestErrno.Negative(LinuxErrno.ENOTSOCK);
    }

    /// <summary>socket(domain, type, protocol): IPv4 and IPv6 only; SOCK_NONBLOCK in type is honoured.</summary>
    private static int Socket(EmscriptenHost h, int domain, int type, int protocol)
    {
        if (!h.AllowSockets)
        {
            return GuestErrno.Negative(LinuxErrno.EACCES);
        }
        if (domain != Libc.AF_INET && domain != Libc.AF_INET6)
        {
            return GuestErrno.Negative(LinuxErrno.EAFNOSUPPORT);
        }
        var kind = type & 0xf;
        if (kind != Libc.SOCK_STREAM && kind != Libc.SOCK_DGRAM)
        {
            return GuestErrno.Negative(LinuxErrno.EPROTONOSUPPORT);
        }
        var fd = Libc.Socket(domain, kind | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, protocol);
        if (fd < 0)
        {
            return -(int)Libc.Errno;
        }
        return FileSyscalls.InsertSocket(h, fd, kind == Libc.SOCK_STREAM ? FileType.SocketStream : FileType.SocketDgram,
            nonBlocking: (type & Libc.SOCK_NONBLOCK) != 0);
    }

    private static int Bind(EmscriptenHost h, FdEntry e, int addr, int len, bool connect)
    {
        if (len < 0 || len > SockAddrMax)
        {
            return GuestErrno.Negative(LinuxErrno.EINVAL);
        }
        var p = h.Memory.Pointer(addr, (uint)len);
        return GuestErrno.Result(connect ? Libc.Connect(e.HostFd, p, (uint)len) : Libc.Bind(e.HostFd, p, (uint)len));
    }

    /// <summary>connect: the host socket is non-blocking, so a blocking guest waits for the outcome in SO_ERROR.</summary>
    private static int Connect(EmscriptenHost h, FdEntry e, int addr, int len)
    {
        var rc = Bind(h, e, addr, len, connect: true);
        if (rc != GuestErrno.Negative(LinuxErrno.EINPROGRESS) || e.NonBlocking)
        {
            return rc;
        }
        h.Stop.WaitFor(e.HostFd, Libc.POLLOUT);
        int error = 0;
        uint size = 4;
        return Libc.Getsockopt(e.HostFd, Libc.SOL_SOCKET, Libc.SO_ERROR, &error, &size) < 0 ? -(int)Libc.Errno : -error;
    }

    /// <summary>accept(fd, *addr, *addrlen): the new socket is blocking for the guest (Linux accept inherits no O_NONBLOCK).</summary>
    private static int Accept(EmscriptenHost h, FdEntry listener, int addr, int addrLen)
    {
        var sockaddr = stackalloc byte[SockAddrMax];
        var sockaddrPtr = (nint)sockaddr;
        uint length = SockAddrMax;
        var lengthPtr = (nint)(&length);
        var fd = GuestIo.Run(h, listener, Libc.POLLIN,
            () => Libc.Accept4(listener.HostFd, (byte*)sockaddrPtr, (uint*)lengthPtr, Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC));
        if (fd < 0)
        {
            return fd;
        }
        var guestFd = FileSyscalls.InsertSocket(h, fd, FileType.SocketStream, nonBlocking: false);
        if (guestFd >= 0)
        {
            CopyAddress(h, new ReadOnlySpan<byte>(sockaddr, (int)length), addr, addrLen);
        }
        return guestFd;
    }

    /// <summary>Writes a host sockaddr to the guest, truncated to *addrlen, and sets *addrlen to its real size.</summary>
    private static void CopyAddress(EmscriptenHost h, ReadOnlySpan<byte> address, int addr, int addrLen)
    {
        if (addr == 0 || addrLen == 0)
        {
            return;
        }
        var room = (int)Math.Min(h.Memory.ReadU32(addrLen), SockAddrMax);
        address[..Math.Min(room, address.Length)].CopyTo(h.Memory.Span(addr, Math.Min(room, address.Length)));
        h.Memory.WriteU32(addrLen, (uint)address.Length);
    }

    private static int Name(EmscriptenHost h, FdEntry e, int addr, int addrLen, bool peer)
    {
        var sockaddr = stackalloc byte[SockAddrMax];
        uint length = SockAddrMax;
        var rc = peer ? Libc.Getpeername(e.HostFd, sockaddr, &length) : Libc.Getsockname(e.HostFd, sockaddr, &length);
        if (rc < 0)
        {
            return -(int)Libc.Errno;
        }
        CopyAddress(h, new ReadOnlySpan<byte>(sockaddr, (int)Math.Min(length, SockAddrMax)), addr, addrLen);
        return 0;
    }

    private static int SendTo(EmscriptenHost h, FdEntry e, int buf, int len, int flags, int addr, int addrLen)
    {
        if (addr != 0)
        {
            // Datagram with a destination: one sendto, no gather.
            if (addrLen < 0 || addrLen > SockAddrMax)
            {
                return GuestErrno.Negative(LinuxErrno.EINVAL);
            }
            var vec = GuestIo.Single(h, buf, len);
            var to = (nint)h.Memory.Pointer(addr, (uint)addrLen);
            return GuestIo.Run(h, e, Libc.POLLOUT, () =>
            {
                fixed (IoVec* v = vec)
                {
                    var msg = new MsgHdr { Name = (void*)to, NameLength = (uint)addrLen, Iov = v, IovLength = 1 };
                    return Libc.Sendmsg(e.HostFd, &msg, (flags & ~MSG_DONTWAIT) | Libc.MSG_NOSIGNAL);
                }
            }, nonBlocking: (flags & MSG_DONTWAIT) != 0);
        }
        return GuestIo.Write(h, e, GuestIo.Single(h, buf, len), flags & ~MSG_DONTWAIT, nonBlocking: (flags & MSG_DONTWAIT) != 0);
    }

    private static int RecvFrom(EmscriptenHost h, FdEntry e, int buf, int len, int flags, int addr, int addrLen)
    {
        var vec = GuestIo.Single(h, buf, len);
        var from = new byte[SockAddrMax];
        uint fromLength = 0;
        var n = GuestIo.Run(h, e, Libc.POLLIN, () =>
        {
            fixed (IoVec* v = vec)
            fixed (byte* f = from)
            {
                var msg = new MsgHdr { Name = f, NameLength = SockAddrMax, Iov = v, IovLength = 1 };
                var rc = Libc.Recvmsg(e.HostFd, &msg, flags & ~MSG_DONTWAIT);
                fromLength = msg.NameLength;
                return rc;
            }
        }, nonBlocking: (flags & MSG_DONTWAIT) != 0);
        if (n >= 0 && addr != 0)
        {
            CopyAddress(h, from.AsSpan(0, (int)Math.Min(fromLength, SockAddrMax)), addr, addrLen);
        }
        return n;
    }

    /// <summary>setsockopt: level/name numbers are Linux's. The timeouts take a 32-bit timeval the host cannot read as is.</summary>
    private static int Setsockopt(EmscriptenHost h, FdEntry e, int level, int name, int value, int len)
    {
        if (level == Libc.SOL_SOCKET && name is SO_RCVTIMEO or SO_SNDTIMEO)
        {
            return GuestErrno.Negative(LinuxErrno.ENOPROTOOPT);
        }
        if (len < 0 || len > 256)
        {
            return GuestErrno.Negative(LinuxErrno.EINVAL);
        }
        return GuestErrno.Result(Libc.Setsockopt(e.HostFd, level, name, len == 0 ? null : h.Memory.Pointer(value, (uint)len), (uint)len));
    }

    private static int Getsockopt(EmscriptenHost h, FdEntry e, int level, int name, int value, int lenPtr)
    {
        if (level == Libc.SOL_SOCKET && name is SO_RCVTIMEO or SO_SNDTIMEO)
        {
            return GuestErrno.Negative(LinuxErrno.ENOPROTOOPT);
        }
        var room = Math.Min(h.Memory.ReadU32(lenPtr), 256u);
        var buffer = stackalloc byte[256];
        var length = room;
        if (Libc.Getsockopt(e.HostFd, level, name, buffer, &length) < 0)
        {
            return -(int)Libc.Errno;
        }
        new ReadOnlySpan<byte>(buffer, (int)Math.Min(length, room)).CopyTo(h.Memory.Span(value, Math.Min(length, room)));
        h.Memory.WriteU32(lenPtr, length);
        return 0;
    }
}
