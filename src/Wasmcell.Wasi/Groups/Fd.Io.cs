using Wasmcell.Wasi.Abi;
using Wasmcell.Wasi.Sys;

namespace Wasmcell.Wasi.Groups;

/// <summary>fd_read, fd_write, fd_pread, fd_pwrite, fd_seek, fd_tell.</summary>
internal static unsafe partial class Fd
{
    /// <summary>Guest iovec arrays are {buf u32, len u32}; at most IOV_MAX (1024) entries, as Linux.</summary>
    internal static Errno Gather(WasiHost h, int iovs, int count, out IoVec[] vecs)
    {
        vecs = Array.Empty<IoVec>();
        if ((uint)count > 1024)
        {
            return Errno.Inval;
        }

        vecs = new IoVec[count];
        for (int i = 0; i < count; i++)
        {
            uint buf = h.Memory.ReadU32(iovs + i * 8);
            uint len = h.Memory.ReadU32(iovs + i * 8 + 4);
            vecs[i] = new IoVec { Base = h.Memory.Pointer((int)buf, len), Length = len };
        }
        return Errno.Success;
    }

    /// <summary>fd_read(fd, iovs, iovs_len, *nread). Streams block interruptibly unless NONBLOCK.</summary>
    /// <returns>BadF, NotCapable, Again (non-blocking, no data), IsDir. https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_read</returns>
    public static Errno FdRead(WasiHost h, int fd, int iovs, int iovsLen, int nread)
    {
        var e = Get(h, fd, Rights.FdRead, out var entry);
        if (e != Errno.Success)
        {
            return e;
        }

        e = Gather(h, iovs, iovsLen, out var vecs);
        if (e != Errno.Success)
        {
            return e;
        }

        e = Transfer(h, entry, vecs, Libc.POLLIN, -1, out long n);
        if (e != Errno.Success)
        {
            return e;
        }

        h.Memory.WriteU32(nread, (uint)n);
        return Errno.Success;
    }

    /// <summary>fd_write(fd, iovs, iovs_len, *nwritten).</summary>
    public static Errno FdWrite(WasiHost h, int fd, int iovs, int iovsLen, int nwritten)
    {
        var e = Get(h, fd, Rights.FdWrite, out var entry);
        if (e != Errno.Success)
        {
            return e;
        }

        e = Gather(h, iovs, iovsLen, out var vecs);
        if (e != Errno.Success)
        {
            return e;
        }

        e = Transfer(h, entry, vecs, Libc.POLLOUT, -1, out long n);
        if (e != Errno.Success)
        {
            return e;
        }

        h.Memory.WriteU32(nwritten, (uint)n);
        return Errno.Success;
    }

    /// <summary>fd_pread(fd, iovs, iovs_len, offset, *nread). Does not move the file offset.</summary>
    /// <returns>SPipe on streams, BadF on directories.</returns>
    public static Errno FdPread(WasiHost h, int fd, int iovs, int iovsLen, long offset, int nread)
    {
        var e = Get(h, fd, Rights.FdRead | Rights.FdSeek, out var entry);
        if (e != Errno.Success)
        {
            return e;
        }

        if (offset < 0)
        {
            return Errno.Inval;
        }

        e = Gather(h, iovs, iovsLen, out var vecs);
        if (e != Errno.Success)
        {
            return e;
        }

        e = Transfer(h, entry, vecs, Libc.POLLIN, offset, out long n);
        if (e != Errno.Success)
        {
            return e;
        }

        h.Memory.WriteU32(nread, (uint)n);
        return Errno.Success;
    }

    /// <summary>fd_pwrite(fd, iovs, iovs_len, offset, *nwritten). Writes at `offset` even when the
    /// fd is in append mode (wasi-testsuite pwrite-with-append); Linux pwrite would append, so
    /// O_APPEND is lifted from the host fd for the call (RATIONALE-wasi.md).</summary>
    public static Errno FdPwrite(WasiHost h, int fd, int iovs, int iovsLen, long offset, int nwritten)
    {
        var e = Get(h, fd, Rights.FdWrite | Rights.FdSeek, out var entry);
        if (e != Errno.Success)
        {
            return e;
        }

        if (offset < 0)
        {
            return Errno.Inval;
        }

        e = Gather(h, iovs, iovsLen, out var vecs);
        if (e != Errno.Success)
        {
            return e;
        }

        int hostFlags = Libc.Fcntl(entry.HostFd, Libc.F_GETFL, 0);
        bool append = hostFlags >= 0 && (hostFlags & Libc.O_APPEND) != 0;
        if (append)
        {
            Libc.Fcntl(entry.HostFd, Libc.F_SETFL, hostFlags & ~Libc.O_APPEND);
        }

        try
        {
            e = Transfer(h, entry, vecs, Libc.POLLOUT, offset, out long n);
            if (e != Errno.Success)
            {
                return e;
            }

            h.Memory.WriteU32(nwritten, (uint)n);
        }
        finally
        {
            if (append)
            {
                Libc.Fcntl(entry.HostFd, Libc.F_SETFL, hostFlags);
            }
        }
        return Errno.Success;
    }

    /// <summary>
    /// One read or write. Files and directories go straight to the kernel. Anything else is
    /// waited on first together with the stop event, so a guest blocked on stdin or a socket
    /// can always be stopped; the host fd itself may be non-blocking, so EAGAIN after a wakeup
    /// (another reader won the race) simply waits again.
    /// </summary>
    internal static Errno Transfer(WasiHost h, FdEntry entry, IoVec[] vecs, short direction, long offset, out long count)
    {
        count = 0;
        bool write = direction == Libc.POLLOUT;
        if (entry.ReadOnly && write)
        {
            return Errno.BadF;
        }

        while (true)
        {
            if (entry.MayBlock)
            {
                if (entry.NonBlocking)
                {
                    if (!StopSignal.IsReady(entry.HostFd, direction))
                    {
                        return Errno.Again;
                    }
                }
                else
                {
                    h.Stop.WaitFor(entry.HostFd, direction);
                }
            }
            nint n;
            fixed (IoVec* v = vecs)
            {
                n = (offset, write) switch
                {
                    ( < 0, false) => Libc.Readv(entry.HostFd, v, vecs.Length),
                    ( < 0, true) => Libc.Writev(entry.HostFd, v, vecs.Length),
                    (_, false) => Libc.Preadv(entry.HostFd, v, vecs.Length, offset),
                    (_, true) => Libc.Pwritev(entry.HostFd, v, vecs.Length, offset),
                };
            }
            if (n >= 0) { count = n; return Errno.Success; }
            var errno = Libc.Errno;
            if (errno == LinuxErrno.EINTR)
            {
                continue;
            }

            if (errno == LinuxErrno.EAGAIN && entry.MayBlock && !entry.NonBlocking)
            {
                continue;
            }

            return ErrnoMapping.FromLinux(errno);
        }
    }

    /// <summary>fd_seek(fd, offset, whence, *newoffset). Whence values differ between ABIs:
    /// preview1 SET=0, CUR=1, END=2; wasi_unstable CUR=0, END=1, SET=2.</summary>
    /// <returns>BadF on directories, SPipe on streams, Inval for unknown whence or a negative result.</returns>
    public static Errno FdSeek(WasiHost h, int fd, long offset, int whence, int newOffset)
    {
        int linux = (h.Abi, whence) switch
        {
            (AbiVersion.Preview1, 0) or (AbiVersion.Unstable, 2) => Libc.SEEK_SET,
            (AbiVersion.Preview1, 1) or (AbiVersion.Unstable, 0) => Libc.SEEK_CUR,
            (AbiVersion.Preview1, 2) or (AbiVersion.Unstable, 1) => Libc.SEEK_END,
            _ => -1,
        };
        if (h.Fds.TryGet(fd, out var stream) && stream.MayBlock)
        {
            return Errno.SPipe;
        }

        var needed = linux == Libc.SEEK_CUR && offset == 0 ? Rights.FdTell : Rights.FdSeek;
        var e = Get(h, fd, needed, out var entry);
        if (e != Errno.Success)
        {
            return e;
        }

        if (entry.Type == FileType.Directory)
        {
            return Errno.BadF;
        }

        if (linux < 0)
        {
            return Errno.Inval;
        }

        long r = Libc.Lseek(entry.HostFd, offset, linux);
        if (r < 0)
        {
            return ErrnoMapping.FromLinux(Libc.Errno);
        }

        h.Memory.WriteU64(newOffset, (ulong)r);
        return Errno.Success;
    }

    /// <summary>fd_tell(fd, *offset).</summary>
    public static Errno FdTell(WasiHost h, int fd, int offsetPtr)
    {
        var e = Get(h, fd, Rights.FdTell, out var entry);
        if (e != Errno.Success)
        {
            return e;
        }

        if (entry.MayBlock)
        {
            return Errno.SPipe;
        }

        long r = Libc.Lseek(entry.HostFd, 0, Libc.SEEK_CUR);
        if (r < 0)
        {
            return ErrnoMapping.FromLinux(Libc.Errno);
        }

        h.Memory.WriteU64(offsetPtr, (ulong)r);
        return Errno.Success;
    }
}
