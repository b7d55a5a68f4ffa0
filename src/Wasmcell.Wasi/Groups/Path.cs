using System.Text;
using Wasmcell.Wasi.Abi;
using Wasmcell.Wasi.Sys;

namespace Wasmcell.Wasi.Groups;

/// <summary>
/// path_* functions. Every path is resolved by <see cref="PathResolver"/> beneath the directory
/// fd it is relative to, so nothing here can reach outside a preopen. Path rights are reported
/// but not enforced (as in current Wasmtime); mutations under a read-only preopen are EROFS.
/// </summary>
internal static unsafe partial class Path
{
    private const int LookupSymlinkFollow = 1;

    private static Errno Dir(WasiHost h, int fd, out FdEntry entry)
    {
        if (!h.Fds.TryGet(fd, out entry))
        {
            return Errno.BadF;
        }

        return entry.Type == FileType.Directory ? Errno.Success : Errno.NotDir;
    }

    private static Errno Parent(WasiHost h, int fd, int path, int len, bool mutate, out ParentDir parent)
    {
        parent = default;
        var e = Dir(h, fd, out var dir);
        if (e != Errno.Success)
        {
            return e;
        }

        if (mutate && dir.ReadOnly)
        {
            return Errno.RoFs;
        }

        return PathResolver.OpenParent(dir.HostFd, GuestPath(h, dir, path, len), out parent);
    }

    /// <summary>
    /// The guest path bytes. Relative to the preopen named "/", a leading slash names that root
    /// (zig and wazero guests pass "/test.txt" to fd 3); anywhere else an absolute path stays
    /// absolute and is refused with EPERM by the resolver (wasi-testsuite interesting_paths).
    /// </summary>
    private static ReadOnlySpan<byte> GuestPath(WasiHost h, FdEntry dir, int path, int len)
    {
        var bytes = h.Memory.Span(path, len);
        if (dir.PreopenName != "/" || bytes.IsEmpty || bytes[0] != (byte)'/')
        {
            return bytes;
        }

        var rest = bytes.TrimStart((byte)'/');
        return rest.IsEmpty ? "."u8 : rest;
    }

    private static byte[] Z(ReadOnlySpan<byte> path)
    {
        var z = new byte[path.Length + 1];
        path.CopyTo(z);
        return z;
    }

    private static Errno Check(int rc) => rc == 0 ? Errno.Success : ErrnoMapping.FromLinux(Libc.Errno);

    /// <summary>Opens the whole path as O_PATH (following a final symlink), beneath `fd`.</summary>
    private static Errno OpenPathFd(WasiHost h, FdEntry dir, int path, int len, out int fd)
    {
        fd = -1;
        var bytes = GuestPath(h, dir, path, len);
        var e = PathResolver.Validate(bytes);
        if (e != Errno.Success)
        {
            return e;
        }

        if (bytes[0] == (byte)'/')
        {
            return Errno.Perm;
        }

        return PathResolver.Open(dir.HostFd, Z(bytes), Libc.O_PATH | Libc.O_CLOEXEC, 0, out fd);
    }

    private static bool HasTrailingSlash(WasiHost h, int path, int len) => len > 0 && h.Memory.ReadU8(path + len - 1) == (byte)'/';

    private static byte[] ProcFdPath(int fd) => Encoding.ASCII.GetBytes($"/proc/self/fd/{fd}\0");

    /// <summary>path_create_directory(fd, path, path_len).</summary>
    /// <returns>Exist, NoEnt, NotDir, Perm (escape), RoFs. https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#path_create_directory</returns>
    public static Errno PathCreateDirectory(WasiHost h, int fd, int path, int len)
    {
        var e = Parent(h, fd, path, len, mutate: true, out var p);
        if (e != Errno.Success)
        {
            return e;
        }

        using (p)
        {
            if (p.NameIsDot)
            {
                return Errno.Exist;
            }

            fixed (byte* name = p.NameZ)
            {
                return Check(Libc.Mkdirat(p.Fd, name, 0x1ff));
            }
        }
    }

    /// <summary>path_filestat_get(fd, flags, path, path_len, *filestat).</summary>
    public static Errno PathFilestatGet(WasiHost h, int fd, int flags, int path, int len, int buf)
    {
        var e = Dir(h, fd, out var dir);
        if (e != Errno.Success)
        {
            return e;
        }

        Filestat st;
        if ((flags & LookupSymlinkFollow) != 0 || HasTrailingSlash(h, path, len))
        {
            e = OpenPathFd(h, dir, path, len, out int pfd);
            if (e != Errno.Success)
            {
                return e;
            }

            e = HostStat.OfFd(pfd, out st);
            Libc.Close(pfd);
        }
        else
        {
            e = PathResolver.OpenParent(dir.HostFd, GuestPath(h, dir, path, len), out var p);
            if (e != Errno.Success)
            {
                return e;
            }

            using (p)
            {
                e = HostStat.At(p.Fd, p.NameZ, follow: false, out st);
            }
        }
        if (e != Errno.Success)
        {
            return e;
        }

        Fd.WriteFilestat(h, buf, st);
        return Errno.Success;
    }

    /// <summary>path_filestat_set_times(fd, flags, path, path_len, atim, mtim, fst_flags).</summary>
    public static Errno PathFilestatSetTimes(WasiHost h, int fd, int flags, int path, int len, long atim, long mtim, int fstFlags)
    {
        var e = Fd.Times(atim, mtim, fstFlags, out var a, out var m);
        if (e != Errno.Success)
        {
            return e;
        }

        e = Dir(h, fd, out var dir);
        if (e != Errno.Success)
        {
            return e;
        }

        if (dir.ReadOnly)
        {
            return Errno.RoFs;
        }

        var ts = stackalloc Timespec[2] { a, m };
        if ((flags & LookupSymlinkFollow) != 0 || HasTrailingSlash(h, path, len))
        {
            e = OpenPathFd(h, dir, path, len, out int pfd);
            if (e != Errno.Success)
            {
                return e;
            }
            // utimensat has no AT_EMPTY_PATH; /proc/self/fd/N names exactly the resolved file.
            fixed (byte* proc = ProcFdPath(pfd))
            {
                e = Check(Libc.Utimensat(Libc.AT_FDCWD, proc, ts, 0));
            }

            Libc.Close(pfd);
            return e;
        }
        e = PathResolver.OpenParent(dir.HostFd, GuestPath(h, dir, path, len), out var p);
        if (e != Errno.Success)
        {
            return e;
        }

        using (p)
        {
            fixed (byte* name = p.NameZ)
            {
                return Check(Libc.Utimensat(p.Fd, name, ts, Libc.AT_SYMLINK_NOFOLLOW));
            }
        }
    }

    /// <summary>
    /// A trailing "/" makes the kernel follow a final symlink even in readlinkat/linkat, outside openat2's
    /// confinement. Such a path names a directory (or nothing): resolve it beneath the preopen instead;
    /// `found` is the errno for a directory it does name (readlink: Inval, link: Perm, as Linux says).
    /// </summary>
    private static Errno TrailingSlashTarget(WasiHost h, int fd, int path, int len, Errno found)
    {
        var e = Dir(h, fd, out var dir);
        if (e != Errno.Success)
        {
            return e;
        }

        e = OpenPathFd(h, dir, path, len, out int pfd);
        if (e != Errno.Success)
        {
            return e;
        }

        Libc.Close(pfd);
        return found;
    }

    /// <summary>path_link(old_fd, old_flags, old_path, old_len, new_fd, new_path, new_len).</summary>
    /// <returns>Exist, NoEnt, Perm (either path escapes, or the source is a directory), RoFs.</returns>
    public static Errno PathLink(WasiHost h, int oldFd, int oldFlags, int oldPath, int oldLen, int newFd, int newPath, int newLen)
    {
        var e = Parent(h, newFd, newPath, newLen, mutate: true, out var target);
        if (e != Errno.Success)
        {
            return e;
        }

        using (target)
        {
            if ((oldFlags & LookupSymlinkFollow) == 0 && HasTrailingSlash(h, oldPath, oldLen))
            {
                return TrailingSlashTarget(h, oldFd, oldPath, oldLen, Errno.Perm);
            }
            if ((oldFlags & LookupSymlinkFollow) != 0)
            {
                e = Dir(h, oldFd, out var oldDir);
                if (e != Errno.Success)
                {
                    return e;
                }

                e = OpenPathFd(h, oldDir, oldPath, oldLen, out int pfd);
                if (e != Errno.Success)
                {
                    return e;
                }

                fixed (byte* proc = ProcFdPath(pfd))
                fixed (byte* nn = target.NameZ)
                {
                    e = Check(Libc.Linkat(Libc.AT_FDCWD, proc, target.Fd, nn, Libc.AT_SYMLINK_FOLLOW));
                }

                Libc.Close(pfd);
                return e;
            }
            e = Parent(h, oldFd, oldPath, oldLen, mutate: false, out var source);
            if (e != Errno.Success)
            {
                return e;
            }

            using (source)
            {
                fixed (byte* on = source.NameZ)
                fixed (byte* nn = target.NameZ)
                {
                    return Check(Libc.Linkat(source.Fd, on, target.Fd, nn, 0));
                }
            }
        }
    }

    /// <summary>path_open(fd, dirflags, path, path_len, oflags, rights_base, rights_inheriting, fdflags, *opened_fd).</summary>
    /// <returns>NotDir (fd is not a directory or path is not), NoEnt, Exist (CREAT|EXCL), Loop
    /// (NOFOLLOW on a symlink), Perm (absolute path or escape), IsDir, RoFs, NFile (table full).
    /// https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#path_open</returns>
    public static Errno PathOpen(WasiHost h, int fd, int dirflags, int path, int len, int oflags,
        long rightsBase, long rightsInheriting, int fdflags, int openedFd)
    {
        var e = Dir(h, fd, out var dir);
        if (e != Errno.Success)
        {
            return e;
        }

        var bytes = GuestPath(h, dir, path, len);
        e = PathResolver.Validate(bytes);
        if (e != Errno.Success)
        {
            return e;
        }

        if (bytes[0] == (byte)'/')
        {
            return Errno.Perm;
        }

        var o = (OFlags)(ushort)oflags;
        var f = (FdFlags)(ushort)fdflags;
        var requested = (Rights)rightsBase;
        // Only FD_WRITE asks for a writable open: wasi-libc's O_RDONLY|O_TRUNC must stay read-only.
        bool read = (requested & (Rights.FdRead | Rights.FdReaddir)) != 0;
        bool write = (requested & Rights.FdWrite) != 0;
        if ((o & OFlags.Directory) != 0 && write)
        {
            return Errno.IsDir;
        }

        if (dir.ReadOnly && (write || (o & (OFlags.Creat | OFlags.Trunc)) != 0))
        {
            return Errno.RoFs;
        }

        // O_NONBLOCK always: opening a FIFO must never hang the host. Guest-visible blocking is
        // emulated by waiting in the read/write paths.
        int flags = Libc.O_CLOEXEC | Libc.O_NOCTTY | Libc.O_NONBLOCK;
        flags |= write ? (read ? Libc.O_RDWR : Libc.O_WRONLY) : Libc.O_RDONLY;
        if ((dirflags & LookupSymlinkFollow) == 0)
        {
            flags |= Libc.O_NOFOLLOW;
        }

        if ((o & OFlags.Creat) != 0)
        {
            flags |= Libc.O_CREAT;
        }

        if ((o & OFlags.Directory) != 0)
        {
            flags |= Libc.O_DIRECTORY;
        }

        if ((o & OFlags.Excl) != 0)
        {
            flags |= Libc.O_EXCL;
        }

        if ((o & OFlags.Trunc) != 0)
        {
            flags |= Libc.O_TRUNC;
        }

        if ((f & FdFlags.Append) != 0)
        {
            flags |= Libc.O_APPEND;
        }

        if ((f & FdFlags.Dsync) != 0)
        {
            flags |= Libc.O_DSYNC;
        }

        if ((f & (FdFlags.Sync | FdFlags.Rsync)) != 0)
        {
            flags |= Libc.O_SYNC;
        }

        e = PathResolver.Open(dir.HostFd, Z(bytes), flags, 0x1b6, out int hostFd);
        if (e != Errno.Success)
        {
            return e;
        }

        e = HostStat.TypeOfFd(hostFd, out var type);
        if (e != Errno.Success) { Libc.Close(hostFd); return e; }

        var entry = new FdEntry
        {
            HostFd = hostFd,
            Type = type,
            // Reported rights: what was asked for, within the directory's inheriting rights and
            // what the type allows. Only the open mode and fd_fdstat_set_rights are enforced.
            Base = requested & dir.Inheriting & Fd.RightsOf(type),
            Inheriting = (Rights)rightsInheriting & dir.Inheriting,
            Flags = f,
            ReadOnly = dir.ReadOnly,
        };
        e = h.Fds.Insert(entry, out int newFd);
        if (e != Errno.Success) { Libc.Close(hostFd); return e; }
        h.Memory.WriteU32(openedFd, (uint)newFd);
        return Errno.Success;
    }

    /// <summary>path_readlink(fd, path, path_len, buf, buf_len, *bufused). A short buffer truncates.</summary>
    /// <returns>Inval when the path is not a symlink, NoEnt, Perm.</returns>
    public static Errno PathReadlink(WasiHost h, int fd, int path, int len, int buf, int bufLen, int bufUsed)
    {
        if (HasTrailingSlash(h, path, len))
        {
            return TrailingSlashTarget(h, fd, path, len, Errno.Inval);
        }
        var e = Parent(h, fd, path, len, mutate: false, out var p);
        if (e != Errno.Success)
        {
            return e;
        }

        using (p)
        {
            byte* dst = h.Memory.Pointer(buf, (uint)bufLen);
            nint n;
            fixed (byte* name = p.NameZ)
            {
                n = Libc.Readlinkat(p.Fd, name, dst, (nuint)(uint)bufLen);
            }

            if (n < 0)
            {
                return ErrnoMapping.FromLinux(Libc.Errno);
            }

            h.Memory.WriteU32(bufUsed, (uint)n);
            return Errno.Success;
        }
    }

    /// <summary>path_remove_directory(fd, path, path_len).</summary>
    /// <returns>NotEmpty, NotDir, NoEnt, Inval ("."), RoFs.</returns>
    public static Errno PathRemoveDirectory(WasiHost h, int fd, int path, int len)
    {
        var e = Parent(h, fd, path, len, mutate: true, out var p);
        if (e != Errno.Success)
        {
            return e;
        }

        using (p)
        {
            fixed (byte* name = p.NameZ)
            {
                return Check(Libc.Unlinkat(p.Fd, name, Libc.AT_REMOVEDIR));
            }
        }
    }

    /// <summary>path_rename(fd, old_path, old_len, new_fd, new_path, new_len).</summary>
    public static Errno PathRename(WasiHost h, int fd, int oldPath, int oldLen, int newFd, int newPath, int newLen)
    {
        var e = Parent(h, fd, oldPath, oldLen, mutate: true, out var source);
        if (e != Errno.Success)
        {
            return e;
        }

        using (source)
        {
            e = Parent(h, newFd, newPath, newLen, mutate: true, out var target);
            if (e != Errno.Success)
            {
                return e;
            }

            using (target)
            {
                fixed (byte* on = source.NameZ)
                fixed (byte* nn = target.NameZ)
                {
                    return Check(Libc.Renameat(source.Fd, on, target.Fd, nn));
                }
            }
        }
    }

    /// <summary>path_symlink(old_path, old_len, fd, new_path, new_len). Relative link text is
    /// stored as given (following it later is still confined by openat2).</summary>
    /// <returns>Perm for an absolute target, Exist, NoEnt, RoFs.</returns>
    public static Errno PathSymlink(WasiHost h, int oldPath, int oldLen, int fd, int newPath, int newLen)
    {
        var targetZ = h.Memory.ReadPathZ(oldPath, oldLen);
        var e = PathResolver.Validate(targetZ.AsSpan(0, targetZ.Length - 1));
        if (e != Errno.Success)
        {
            return e;
        }
        // An absolute target could never be followed beneath a preopen; refuse it up front.
        if (targetZ[0] == (byte)'/')
        {
            return Errno.Perm;
        }

        e = Parent(h, fd, newPath, newLen, mutate: true, out var p);
        if (e != Errno.Success)
        {
            return e;
        }

        using (p)
        {
            fixed (byte* t = targetZ)
            fixed (byte* name = p.NameZ)
            {
                return Check(Libc.Symlinkat(t, p.Fd, name));
            }
        }
    }

    /// <summary>path_unlink_file(fd, path, path_len).</summary>
    /// <returns>IsDir for a directory, NotDir for "file/", NoEnt, RoFs.</returns>
    public static Errno PathUnlinkFile(WasiHost h, int fd, int path, int len)
    {
        var e = Parent(h, fd, path, len, mutate: true, out var p);
        if (e != Errno.Success)
        {
            return e;
        }

        using (p)
        {
            fixed (byte* name = p.NameZ)
            {
                return Check(Libc.Unlinkat(p.Fd, name, 0));
            }
        }
    }
}
