using Wasmcell.Wasi.Abi;
using Wasmcell.Wasi.Sys;

namespace Wasmcell.Emscripten;

/// <summary>
/// File and descriptor syscalls (ABI.md §B.3, argument words in §C.2). Paths go through
/// <see cref="GuestDirectories"/> and the shared <see cref="PathResolver"/>: nothing outside the preopens is
/// reachable, and anything that would change a read-only one is EROFS.
/// </summary>
internal static unsafe class FileSyscalls
{
    private const int O_LARGEFILE = 0x8000;
    private const int F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_DUPFD_CLOEXEC = 1030;
    private const int FIONBIO = 0x5421, FIONREAD = 0x541B, FIOCLEX = 0x5451, FIONCLEX = 0x5450, FIOASYNC = 0x5452;

    public static int Read(EmscriptenHost h, int va)
    {
        var rc = GuestIo.Entry(h, h.Arg(va, 0), out var entry);
        return rc < 0 ? rc : GuestIo.Read(h, entry, GuestIo.Single(h, h.Arg(va, 1), h.Arg(va, 2)));
    }

    public static int Write(EmscriptenHost h, int va)
    {
        var rc = GuestIo.Entry(h, h.Arg(va, 0), out var entry);
        return rc < 0 ? rc : GuestIo.Write(h, entry, GuestIo.Single(h, h.Arg(va, 1), h.Arg(va, 2)));
    }

    public static int Readv(EmscriptenHost h, int va)
    {
        var rc = GuestIo.Entry(h, h.Arg(va, 0), out var entry);
        if (rc < 0 || (rc = GuestIo.Gather(h, h.Arg(va, 1), h.Arg(va, 2), out var vecs)) < 0)
        {
            return rc;
        }
        return GuestIo.Read(h, entry, vecs);
    }

    public static int Writev(EmscriptenHost h, int va)
    {
        var rc = GuestIo.Entry(h, h.Arg(va, 0), out var entry);
        if (rc < 0 || (rc = GuestIo.Gather(h, h.Arg(va, 1), h.Arg(va, 2), out var vecs)) < 0)
        {
            return rc;
        }
        return GuestIo.Write(h, entry, vecs);
    }

    /// <summary>pread64(fd, buf, count, 0, off_lo, off_hi): musl puts a pad word before the 64-bit offset.</summary>
    public static int Pread(EmscriptenHost h, int va) => Positioned(h, va, write: false);

    public static int Pwrite(EmscriptenHost h, int va) => Positioned(h, va, write: true);

    private static int Positioned(EmscriptenHost h, int va, bool write)
    {
        var rc = GuestIo.Entry(h, h.Arg(va, 0), out var entry);
        if (rc < 0)
        {
            return rc;
        }
        var vecs = GuestIo.Single(h, h.Arg(va, 1), h.Arg(va, 2));
        var offset = Offset(h, va, 4);
        fixed (IoVec* v = vecs)
        {
            return GuestErrno.Result(write ? Libc.Pwritev(entry.HostFd, v, 1, offset) : Libc.Preadv(entry.HostFd, v, 1, offset));
        }
    }

    /// <summary>pwritev(fd, iov, iovcnt, off_lo, off_hi).</summary>
    public static int Pwritev(EmscriptenHost h, int va)
    {
        var rc = GuestIo.Entry(h, h.Arg(va, 0), out var entry);
        if (rc < 0 || (rc = GuestIo.Gather(h, h.Arg(va, 1), h.Arg(va, 2), out var vecs)) < 0)
        {
            return rc;
        }
        fixed (IoVec* v = vecs)
        {
            return GuestErrno.Result(Libc.Pwritev(entry.HostFd, v, vecs.Length, Offset(h, va, 3)));
        }
    }

    private static long Offset(EmscriptenHost h, int va, int loWord) =>
        (long)(((ulong)(uint)h.Arg(va, loWord + 1) << 32) | (uint)h.Arg(va, loWord));

    /// <summary>_llseek(fd, off_hi, off_lo, *result, whence): the result is a 4-byte off_t (ABI.md §G.3).</summary>
    public static int Llseek(EmscriptenHost h, int va)
    {
        var rc = GuestIo.Entry(h, h.Arg(va, 0), out var entry);
        if (rc < 0)
        {
            return rc;
        }
        var offset = (long)(((ulong)(uint)h.Arg(va, 1) << 32) | (uint)h.Arg(va, 2));
        var result = h.Arg(va, 3);
        var position = Libc.Lseek(entry.HostFd, offset, h.Arg(va, 4));
        if (position < 0)
        {
            return -(int)Libc.Errno;
        }
        if (position > int.MaxValue)
        {
            return GuestErrno.Negative(LinuxErrno.EOVERFLOW);
        }
        h.Memory.WriteU32(result, (uint)position);
        return 0;
    }

    public static int Ftruncate(EmscriptenHost h, int va)
    {
        var rc = GuestIo.Entry(h, h.Arg(va, 0), out var entry);
        return rc < 0 ? rc : GuestErrno.Result(Libc.Ftruncate(entry.HostFd, Offset(h, va, 2)));
    }

    public static int Close(EmscriptenHost h, int va) => GuestErrno.Result(h.Fds.Close(h.Arg(va, 0)));

    /// <summary>open(path, flags, mode): flags always carry O_LARGEFILE; "/dev/std*" are the container's stdio.</summary>
    public static int Open(EmscriptenHost h, int va) => OpenPath(h, h.Arg(va, 0), h.Arg(va, 1), (uint)h.Arg(va, 2), dirFd: -100);

    /// <summary>openat(dirfd, path, flags, mode): AT_FDCWD (-100) or a directory the guest opened.</summary>
    public static int Openat(EmscriptenHost h, int va) => OpenPath(h, h.Arg(va, 1), h.Arg(va, 2), (uint)h.Arg(va, 3), h.Arg(va, 0));

    private static int OpenPath(EmscriptenHost h, int pathPtr, int flags, uint mode, int dirFd)
    {
        var e = h.Path(pathPtr, out var path);
        if (e != Errno.Success)
        {
            return GuestErrno.Result(e);
        }
        flags &= ~O_LARGEFILE;
        var nonBlocking = (flags & Libc.O_NONBLOCK) != 0;
        var hostFlags = (flags & ~Libc.O_NONBLOCK) | Libc.O_CLOEXEC;
        int fd;
        var readOnly = false;
        var stdio = StdioOriginals.Which(path);
        if (stdio >= 0)
        {
            fd = h.Stdio.Dup(stdio);
            if (fd < 0)
            {
                return -(int)Libc.Errno;
            }
        }
        else if (path.AsSpan().SequenceEqual("/dev/null"u8))
        {
            fd = Libc.Open("/dev/null", (flags & Libc.O_ACCMODE) | Libc.O_CLOEXEC, 0);
            if (fd < 0)
            {
                return -(int)Libc.Errno;
            }
        }
        else
        {
            e = Beneath(h, dirFd, path, out var dir, out var relative, out readOnly);
            if (e != Errno.Success)
            {
                return GuestErrno.Result(e);
            }
            if (readOnly && ((flags & Libc.O_ACCMODE) != Libc.O_RDONLY || (flags & (Libc.O_CREAT | Libc.O_TRUNC)) != 0))
            {
                return GuestErrno.Negative(LinuxErrno.EROFS);
            }
            e = PathResolver.Open(dir, relative, hostFlags, mode & ~(uint)h.Umask, out fd);
            if (e != Errno.Success)
            {
                return GuestErrno.Result(e);
            }
        }
        return Insert(h, fd, nonBlocking, readOnly);
    }

    /// <summary>The host directory fd and relative path for `path` seen from `dirFd` (AT_FDCWD or a guest directory fd).</summary>
    private static Errno Beneath(EmscriptenHost h, int dirFd, byte[] path, out int dir, out byte[] relative, out bool readOnly)
    {
        if (dirFd == -100 || path[0] == (byte)'/')
        {
            var e = h.Dirs.Resolve(path, out var d, out relative);
            dir = d?.Fd ?? -1;
            readOnly = d?.ReadOnly ?? false;
            return e;
        }
        dir = -1;
        relative = [];
        readOnly = false;
        if (!h.Fds.TryGet(dirFd, out var entry))
        {
            return Errno.BadF;
        }
        if (entry.Type != FileType.Directory)
        {
            return Errno.NotDir;
        }
        dir = entry.HostFd;
        readOnly = entry.ReadOnly;
        relative = new byte[path.Length + 1];
        path.CopyTo(relative, 0);
        return Errno.Success;
    }

    private static int Insert(EmscriptenHost h, int hostFd, bool nonBlocking, bool readOnly)
    {
        if (HostStat.TypeOfFd(hostFd, out var type) != Errno.Success)
        {
            type = FileType.Unknown;
        }
        var entry = new FdEntry
        {
            HostFd = hostFd,
            Type = type,
            Flags = nonBlocking ? FdFlags.NonBlock : FdFlags.None,
            ReadOnly = readOnly,
        };
        if (h.Fds.Insert(entry, out var fd) != Errno.Success)
        {
            Libc.Close(hostFd);
            return GuestErrno.Negative(LinuxErrno.EMFILE);
        }
        return fd;
    }

    /// <summary>A new guest fd for an fd the host made (sockets): the lowest free number.</summary>
    public static int InsertSocket(EmscriptenHost h, int hostFd, FileType type, bool nonBlocking)
    {
        var entry = new FdEntry { HostFd = hostFd, Type = type, Flags = nonBlocking ? FdFlags.NonBlock : FdFlags.None };
        if (h.Fds.Insert(entry, out var fd) != Errno.Success)
        {
            Libc.Close(hostFd);
            return GuestErrno.Negative(LinuxErrno.EMFILE);
        }
        return fd;
    }

    /// <summary>
    /// dup2(old, new): `new` gets its own host dup of the same open file, so closing either never closes the other
    /// and nginx's dup2(errlog, 2) really moves fd 2 (ABI.md §G.5).
    /// </summary>
    public static int Dup2(EmscriptenHost h, int va)
    {
        int from = h.Arg(va, 0), to = h.Arg(va, 1);
        if (!h.Fds.TryGet(from, out var entry) || to < 0 || to >= EmscriptenLayout.MaxFds)
        {
            return GuestErrno.Negative(LinuxErrno.EBADF);
        }
        return from == to ? to : DupTo(h, entry, to);
    }

    private static int DupTo(EmscriptenHost h, FdEntry entry, int to)
    {
        var hostFd = Libc.Fcntl(entry.HostFd, Libc.F_DUPFD_CLOEXEC, 0);
        if (hostFd < 0)
        {
            return -(int)Libc.Errno;
        }
        var copy = Copy(entry, hostFd);
        if (h.Fds.Place(to, copy) != Errno.Success)
        {
            Libc.Close(hostFd);
            return GuestErrno.Negative(LinuxErrno.EBADF);
        }
        return to;
    }

    private static FdEntry Copy(FdEntry entry, int hostFd) =>
        new() { HostFd = hostFd, Type = entry.Type, Flags = entry.Flags, ReadOnly = entry.ReadOnly };

    /// <summary>fcntl64(fd, cmd, arg). Close-on-exec is meaningless (nothing is ever exec'd) but must succeed.</summary>
    public static int Fcntl(EmscriptenHost h, int va)
    {
        int fd = h.Arg(va, 0), cmd = h.Arg(va, 1), arg = h.Arg(va, 2);
        var rc = GuestIo.Entry(h, fd, out var entry);
        if (rc < 0)
        {
            return rc;
        }
        switch (cmd)
        {
            case F_DUPFD or F_DUPFD_CLOEXEC:
                for (var to = Math.Max(0, arg); to < EmscriptenLayout.MaxFds; to++)
                {
                    if (!h.Fds.TryGet(to, out _))
                    {
                        return DupTo(h, entry, to);
                    }
                }
                return GuestErrno.Negative(LinuxErrno.EMFILE);
            case F_GETFD or F_SETFD:
                return 0;
            case F_GETFL:
                var flags = Libc.Fcntl(entry.HostFd, Libc.F_GETFL, 0);
                return flags < 0 ? -(int)Libc.Errno : (flags & ~Libc.O_NONBLOCK) | (entry.NonBlocking ? Libc.O_NONBLOCK : 0) | O_LARGEFILE;
            case F_SETFL:
                SetNonBlocking(entry, (arg & Libc.O_NONBLOCK) != 0);
                var host = Libc.Fcntl(entry.HostFd, Libc.F_GETFL, 0);
                return host < 0 ? -(int)Libc.Errno
                    : GuestErrno.Result(Libc.Fcntl(entry.HostFd, Libc.F_SETFL, (host & ~Libc.O_APPEND) | (arg & Libc.O_APPEND)));
            default:
                return GuestErrno.Negative(LinuxErrno.EINVAL);
        }
    }

    private static void SetNonBlocking(FdEntry entry, bool on) =>
        entry.Flags = on ? entry.Flags | FdFlags.NonBlock : entry.Flags & ~FdFlags.NonBlock;

    /// <summary>ioctl(fd, request, argp): FIONBIO is how nginx makes sockets non-blocking (ABI.md §C.4).</summary>
    public static int Ioctl(EmscriptenHost h, int va)
    {
        int fd = h.Arg(va, 0), request = h.Arg(va, 1), argp = h.Arg(va, 2);
        var rc = GuestIo.Entry(h, fd, out var entry);
        if (rc < 0)
        {
            return rc;
        }
        switch (request)
        {
            case FIONBIO:
                SetNonBlocking(entry, h.Memory.ReadU32(argp) != 0);
                return 0;
            case FIONREAD:
                int available;
                if (Libc.Ioctl(entry.HostFd, (nuint)FIONREAD, &available) < 0)
                {
                    return -(int)Libc.Errno;
                }
                h.Memory.WriteU32(argp, (uint)available);
                return 0;
            case FIOCLEX or FIONCLEX or FIOASYNC:
                return 0;
            default:
                // Terminal requests (TCGETS, TIOCGWINSZ: musl's isatty probe) and anything else: not a tty.
                return GuestErrno.Negative(LinuxErrno.ENOTTY);
        }
    }

    public static int Mkdir(EmscriptenHost h, int va)
    {
        var mode = (uint)h.Arg(va, 1) & ~(uint)h.Umask;
        return AtParent(h, h.Arg(va, 0), mutate: true, (dir, name) => Libc.Mkdirat(dir, (byte*)name, mode));
    }

    public static int Unlink(EmscriptenHost h, int va) => AtParent(h, h.Arg(va, 0), mutate: true, (dir, name) => Libc.Unlinkat(dir, (byte*)name, 0));

    /// <summary>chmod: the cell may not change modes (its seccomp filter refuses it); EPERM, as for a file one does not own.</summary>
    public static int Chmod(EmscriptenHost h, int va) => GuestErrno.Negative(LinuxErrno.EPERM);

    public static int Chdir(EmscriptenHost h, int va)
    {
        var e = h.Path(h.Arg(va, 0), out var path);
        return GuestErrno.Result(e != Errno.Success ? e : h.Dirs.ChangeDirectory(path));
    }

    public static int Rename(EmscriptenHost h, int va)
    {
        var e = Parent(h, h.Arg(va, 0), mutate: true, out var from, out var fromDir);
        if (e != Errno.Success)
        {
            return GuestErrno.Result(e);
        }
        using (from)
        {
            e = Parent(h, h.Arg(va, 1), mutate: true, out var to, out var toDir);
            if (e != Errno.Success)
            {
                return GuestErrno.Result(e);
            }
            using (to)
            {
                if (fromDir != toDir)
                {
                    return GuestErrno.Negative(LinuxErrno.EXDEV);
                }
                fixed (byte* a = from.NameZ)
                fixed (byte* b = to.NameZ)
                {
                    return GuestErrno.Result(Libc.Renameat(from.Fd, a, to.Fd, b));
                }
            }
        }
    }

    public static int Readlink(EmscriptenHost h, int va)
    {
        int buf = h.Arg(va, 1), size = h.Arg(va, 2);
        if (size <= 0)
        {
            return GuestErrno.Negative(LinuxErrno.EINVAL);
        }
        var target = h.Memory.Pointer(buf, (uint)size);
        return AtParent(h, h.Arg(va, 0), mutate: false, (dir, name) => Libc.Readlinkat(dir, (byte*)name, target, (nuint)size));
    }

    /// <summary>Resolves the parent of `pathPtr` beneath its directory and acts on the final component.</summary>
    private static int AtParent(EmscriptenHost h, int pathPtr, bool mutate, Func<int, nint, nint> op)
    {
        var e = Parent(h, pathPtr, mutate, out var parent, out _);
        if (e != Errno.Success)
        {
            return GuestErrno.Result(e);
        }
        using (parent)
        {
            fixed (byte* name = parent.NameZ)
            {
                return GuestErrno.Result(op(parent.Fd, (nint)name));
            }
        }
    }

    private static Errno Parent(EmscriptenHost h, int pathPtr, bool mutate, out ParentDir parent, out int dirFd)
    {
        parent = default;
        dirFd = -1;
        var e = h.Path(pathPtr, out var path);
        if (e != Errno.Success || (e = h.Dirs.Resolve(path, out var dir, out var relative)) != Errno.Success)
        {
            return e;
        }
        if (mutate && dir.ReadOnly)
        {
            return Errno.RoFs;
        }
        dirFd = dir.Fd;
        return PathResolver.OpenParent(dir.Fd, relative.AsSpan(0, relative.Length - 1), out parent);
    }

    public static int Stat(EmscriptenHost h, int va) => StatPath(h, -100, h.Arg(va, 0), h.Arg(va, 1), follow: true);

    public static int Lstat(EmscriptenHost h, int va) => StatPath(h, -100, h.Arg(va, 0), h.Arg(va, 1), follow: false);

    /// <summary>fstatat64(dirfd, path, *stat, flags): AT_SYMLINK_NOFOLLOW = 0x100.</summary>
    public static int Fstatat(EmscriptenHost h, int va) =>
        StatPath(h, h.Arg(va, 0), h.Arg(va, 1), h.Arg(va, 2), follow: (h.Arg(va, 3) & Libc.AT_SYMLINK_NOFOLLOW) == 0);

    public static int Fstat(EmscriptenHost h, int va)
    {
        var rc = GuestIo.Entry(h, h.Arg(va, 0), out var entry);
        return rc < 0 ? rc : GuestStat.Write(h, entry.HostFd, ""u8, Libc.AT_EMPTY_PATH, h.Arg(va, 1));
    }

    private static int StatPath(EmscriptenHost h, int dirFd, int pathPtr, int buf, bool follow)
    {
        var e = h.Path(pathPtr, out var path);
        if (e != Errno.Success || (e = Beneath(h, dirFd, path, out var dir, out var relative, out _)) != Errno.Success)
        {
            return GuestErrno.Result(e);
        }
        if (follow)
        {
            // The whole path opened as O_PATH beneath the directory (following a final symlink), then statted.
            e = PathResolver.Open(dir, relative, Libc.O_PATH | Libc.O_CLOEXEC, 0, out var fd);
            if (e != Errno.Success)
            {
                return GuestErrno.Result(e);
            }
            try
            {
                return GuestStat.Write(h, fd, ""u8, Libc.AT_EMPTY_PATH, buf);
            }
            finally
            {
                Libc.Close(fd);
            }
        }
        e = PathResolver.OpenParent(dir, relative.AsSpan(0, relative.Length - 1), out var parent);
        if (e != Errno.Success)
        {
            return GuestErrno.Result(e);
        }
        using (parent)
        {
            return GuestStat.Write(h, parent.Fd, parent.NameZ.AsSpan(0, parent.NameZ.Length - 1), Libc.AT_SYMLINK_NOFOLLOW, buf);
        }
    }

    /// <summary>getdents64(fd, buf, count): 268-byte guest records (ABI.md §D.4).</summary>
    public static int Getdents(EmscriptenHost h, int va) => GuestDirectoryListing.Read(h, h.Arg(va, 0), h.Arg(va, 1), h.Arg(va, 2));
}
