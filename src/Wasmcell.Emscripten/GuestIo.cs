using Wasmcell.Wasi.Sys;

namespace Wasmcell.Emscripten;

/// <summary>
/// Reads and writes on guest fds with Linux blocking semantics over the shared fd table. Sockets the host made
/// are O_NONBLOCK on the host; anything else that may block (the container's stdio FIFOs) is probed first. A
/// guest that did not ask for non-blocking I/O waits in <see cref="StopSignal.Wait"/>, so a stop ends the wait;
/// one that did gets EAGAIN. Regular files and directories never wait.
/// </summary>
internal static unsafe class GuestIo
{
    public static int Entry(EmscriptenHost h, int fd, out FdEntry entry) =>
        h.Fds.TryGet(fd, out entry) ? 0 : GuestErrno.Negative(LinuxErrno.EBADF);

    /// <summary>Runs `op` (a host call answering ≥ 0 or -1 with errno) until it no longer says EAGAIN or EINTR.</summary>
    public static int Run(EmscriptenHost h, FdEntry entry, short events, Func<nint> op, bool nonBlocking = false)
    {
        nonBlocking |= entry.NonBlocking;
        if (!entry.MayBlock)
        {
            return Once(op);
        }
        var hostNonBlocking = entry.IsSocket;
        while (true)
        {
            if (!hostNonBlocking && !StopSignal.IsReady(entry.HostFd, events))
            {
                if (nonBlocking)
                {
                    return GuestErrno.Negative(LinuxErrno.EAGAIN);
                }
                h.Stop.WaitFor(entry.HostFd, events);
                continue;
            }
            var rc = op();
            if (rc >= 0)
            {
                return (int)rc;
            }
            var errno = Libc.Errno;
            if (errno == LinuxErrno.EINTR)
            {
                continue;
            }
            if (errno != LinuxErrno.EAGAIN || nonBlocking)
            {
                return -(int)errno;
            }
            h.Stop.WaitFor(entry.HostFd, events);
        }
    }

    private static int Once(Func<nint> op)
    {
        while (true)
        {
            var rc = op();
            if (rc >= 0 || Libc.Errno != LinuxErrno.EINTR)
            {
                return GuestErrno.Result(rc);
            }
        }
    }

    /// <summary>
    /// The guest's iovec array ({u32 base, u32 len}, ABI.md §D.3) as host iovecs pointing into guest memory.
    /// Valid until the guest runs again. EINVAL for more than IOV_MAX (1024) entries or a total above 2 GiB.
    /// </summary>
    public static int Gather(EmscriptenHost h, int iov, int count, out IoVec[] vecs)
    {
        vecs = [];
        if (count < 0 || count > 1024)
        {
            return GuestErrno.Negative(LinuxErrno.EINVAL);
        }
        vecs = new IoVec[count];
        long total = 0;
        for (var i = 0; i < count; i++)
        {
            var b = (int)h.Memory.ReadU32(iov + (i * 8));
            var len = h.Memory.ReadU32(iov + (i * 8) + 4);
            total += len;
            if (total > int.MaxValue)
            {
                return GuestErrno.Negative(LinuxErrno.EINVAL);
            }
            vecs[i] = new IoVec { Base = len == 0 ? null : h.Memory.Pointer(b, len), Length = len };
        }
        return 0;
    }

    /// <summary>One buffer as a one-entry iovec array.</summary>
    public static IoVec[] Single(EmscriptenHost h, int buf, int count) =>
        [new IoVec { Base = count == 0 ? null : h.Memory.Pointer(buf, (uint)count), Length = (uint)count }];

    /// <summary>Reads into `vecs`: recvmsg on sockets (recv semantics), readv on everything else.</summary>
    public static int Read(EmscriptenHost h, FdEntry entry, IoVec[] vecs, int flags = 0, bool nonBlocking = false) =>
        Run(h, entry, Libc.POLLIN, () =>
        {
            fixed (IoVec* v = vecs)
            {
                if (!entry.IsSocket)
                {
                    return Libc.Readv(entry.HostFd, v, vecs.Length);
                }
                var msg = new MsgHdr { Iov = v, IovLength = (nuint)vecs.Length };
                return Libc.Recvmsg(entry.HostFd, &msg, flags);
            }
        }, nonBlocking);

    /// <summary>
    /// Writes `vecs` as one gather write (a partial count is returned as is): sendmsg with MSG_NOSIGNAL on sockets,
    /// so a closed peer is EPIPE and never a host SIGPIPE; writev on everything else.
    /// </summary>
    public static int Write(EmscriptenHost h, FdEntry entry, IoVec[] vecs, int flags = 0, bool nonBlocking = false) =>
        Run(h, entry, Libc.POLLOUT, () =>
        {
            fixed (IoVec* v = vecs)
            {
                if (!entry.IsSocket)
                {
                    return Libc.Writev(entry.HostFd, v, vecs.Length);
                }
                var msg = new MsgHdr { Iov = v, IovLength = (nuint)vecs.Length };
                return Libc.Sendmsg(entry.HostFd, &msg, flags | Libc.MSG_NOSIGNAL);
            }
        }, nonBlocking);
}
