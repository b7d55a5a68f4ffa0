using Wasmcell.Wasi.Abi;
using Wasmcell.Wasi.Sys;

namespace Wasmcell.Wasi.Groups;

/// <summary>fd_* functions on descriptors as such: stat, flags, rights, close, renumber, prestat.
/// Reads and writes are in Fd.Io.cs, fd_readdir in Fd.Dir.cs.</summary>
internal static unsafe partial class Fd
{
    /// <summary>Looks up `fd` and checks it holds `rights`.</summary>
    internal static Errno Get(WasiHost h, int fd, Rights rights, out FdEntry entry)
    {
        if (!h.Fds.TryGet(fd, out entry))
        {
            return Errno.BadF;
        }
        // A right this kind of fd can never have (seek on a directory) is EBADF, as on POSIX.
        if ((RightsOf(entry.Type) & rights) != rights)
        {
            return Errno.BadF;
        }
        // A right given up with fd_fdstat_set_rights is ENOTCAPABLE. Rights the guest simply did
        // not ask for at path_open are not enforced: the open mode is (EBADF from the kernel),
        // as in Wasmtime, and programs that open with rights 0 and then read rely on that.
        return (entry.Revoked & rights) == 0 ? Errno.Success : Errno.NotCapable;
    }

    /// <summary>The full rights a descriptor of this type starts with.</summary>
    internal static Rights RightsOf(FileType type) => type switch
    {
        FileType.Directory => Rights.Directory,
        FileType.RegularFile => Rights.RegularFile,
        FileType.SocketStream or FileType.SocketDgram => Rights.Socket,
        _ => Rights.Stream,
    };

    /// <summary>fd_advise(fd, offset, len, advice).</summary>
    /// <returns>BadF, Inval (unknown advice), SPipe/BadF for non-files. https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_advise</returns>
    public static Errno FdAdvise(WasiHost h, int fd, long offset, long len, int advice)
    {
        var e = Get(h, fd, Rights.FdAdvise, out var entry);
        if (e != Errno.Success)
        {
            return e;
        }

        if (entry.Type == FileType.Directory)
        {
            return Errno.BadF;
        }
        // WASI: normal, sequential, random, willneed, dontneed, noreuse; Linux swaps sequential/random.
        int linux = advice switch { 0 => 0, 1 => 2, 2 => 1, 3 => 3, 4 => 4, 5 => 5, _ => -1 };
        if (linux < 0)
        {
            return Errno.Inval;
        }

        int r = Libc.PosixFadvise(entry.HostFd, offset, len, linux);
        return r == 0 ? Errno.Success : ErrnoMapping.FromLinux((LinuxErrno)r);
    }

    /// <summary>fd_allocate(fd, offset, len).</summary>
    /// <returns>BadF, NotCapable, Inval. Directories: BadF.</returns>
    public static Errno FdAllocate(WasiHost h, int fd, long offset, long len)
    {
        var e = Get(h, fd, Rights.FdAllocate, out var entry);
        if (e != Errno.Success)
        {
            return e;
        }

        if (entry.Type == FileType.Directory)
        {
            return Errno.BadF;
        }

        int r = Libc.PosixFallocate(entry.HostFd, offset, len);
        return r == 0 ? Errno.Success : ErrnoMapping.FromLinux((LinuxErrno)r);
    }

    /// <summary>fd_close(fd). Preopens may be closed too.</summary>
    public static Errno FdClose(WasiHost h, int fd) => h.Fds.Close(fd);

    /// <summary>fd_datasync(fd).</summary>
    public static Errno FdDatasync(WasiHost h, int fd)
    {
        var e = Get(h, fd, Rights.FdDatasync, out var entry);
        if (e != Errno.Success)
        {
            return e;
        }

        return Libc.Fdatasync(entry.HostFd) == 0 ? Errno.Success : ErrnoMapping.FromLinux(Libc.Errno);
    }

    /// <summary>fd_fdstat_get(fd, *fdstat): filetype u8 @0, flags u16 @2, rights_base u64 @8, rights_inheriting u64 @16.</summary>
    public static Errno FdFdstatGet(WasiHost h, int fd, int buf)
    {
        if (!h.Fds.TryGet(fd, out var entry))
        {
            return Errno.BadF;
        }

        var s = h.Memory.Span(buf, 24);
        s.Clear();
        s[0] = (byte)entry.Type;
        h.Memory.WriteU16(buf + 2, (ushort)entry.Flags);
        h.Memory.WriteU64(buf + 8, (ulong)entry.Base);
        h.Memory.WriteU64(buf + 16, (ulong)entry.Inheriting);
        return Errno.Success;
    }

    /// <summary>fd_fdstat_set_flags(fd, flags). APPEND is applied to the host fd; NONBLOCK is
    /// emulated (the host never blocks uninterruptibly anyway); SYNC flags cannot change after open.</summary>
    /// <returns>BadF, NotCapable, Inval for unknown bits, NotSup for sync flags.</returns>
    public static Errno FdFdstatSetFlags(WasiHost h, int fd, int flags)
    {
        var e = Get(h, fd, Rights.FdFdstatSetFlags, out var entry);
        if (e != Errno.Success)
        {
            return e;
        }

        var f = (FdFlags)(ushort)flags;
        if ((flags & ~0x1f) != 0)
        {
            return Errno.Inval;
        }

        if ((f & (FdFlags.Dsync | FdFlags.Rsync | FdFlags.Sync)) != (entry.Flags & (FdFlags.Dsync | FdFlags.Rsync | FdFlags.Sync)))
        {
            return Errno.NotSup;
        }

        int host = Libc.Fcntl(entry.HostFd, Libc.F_GETFL, 0);
        if (host < 0)
        {
            return ErrnoMapping.FromLinux(Libc.Errno);
        }

        int wanted = (f & FdFlags.Append) != 0 ? host | Libc.O_APPEND : host & ~Libc.O_APPEND;
        if (entry.Type != FileType.Directory && wanted != host && Libc.Fcntl(entry.HostFd, Libc.F_SETFL, wanted) < 0)
        {
            return ErrnoMapping.FromLinux(Libc.Errno);
        }

        entry.Flags = f;
        return Errno.Success;
    }

    /// <summary>fd_fdstat_set_rights(fd, base, inheriting): rights can only shrink.</summary>
    /// <returns>NotCapable when asking for a right the fd does not hold.</returns>
    public static Errno FdFdstatSetRights(WasiHost h, int fd, long rightsBase, long rightsInheriting)
    {
        if (!h.Fds.TryGet(fd, out var entry))
        {
            return Errno.BadF;
        }

        var b = (Rights)rightsBase;
        var i = (Rights)rightsInheriting;
        if ((b & ~entry.Base) != 0 || (i & ~entry.Inheriting) != 0)
        {
            return Errno.NotCapable;
        }

        entry.Revoked |= entry.Base & ~b;
        entry.Base = b;
        entry.Inheriting = i;
        return Errno.Success;
    }

    /// <summary>fd_filestat_get(fd, *filestat).</summary>
    public static Errno FdFilestatGet(WasiHost h, int fd, int buf)
    {
        var e = Get(h, fd, Rights.FdFilestatGet, out var entry);
        if (e != Errno.Success)
        {
            return e;
        }

        e = HostStat.OfFd(entry.HostFd, out var st);
        if (e != Errno.Success)
        {
            return e;
        }

        if (entry.IsSocket)
        {
            st = st with { Type = entry.Type };
        }

        WriteFilestat(h, buf, st);
        return Errno.Success;
    }

    /// <summary>Writes a filestat in the layout of the ABI being served (56 bytes for wasi_unstable, 64 for preview1).</summary>
    internal static void WriteFilestat(WasiHost h, int buf, in Filestat st)
    {
        var m = h.Memory;
        if (h.Abi == AbiVersion.Unstable)
        {
            m.Span(buf, 56).Clear();
            m.WriteU64(buf, st.Dev); m.WriteU64(buf + 8, st.Ino); m.WriteU8(buf + 16, (byte)st.Type);
            m.WriteU32(buf + 20, (uint)st.Nlink); m.WriteU64(buf + 24, st.Size);
            m.WriteU64(buf + 32, st.Atim); m.WriteU64(buf + 40, st.Mtim); m.WriteU64(buf + 48, st.Ctim);
            return;
        }
        m.Span(buf, 64).Clear();
        m.WriteU64(buf, st.Dev); m.WriteU64(buf + 8, st.Ino); m.WriteU8(buf + 16, (byte)st.Type);
        m.WriteU64(buf + 24, st.Nlink); m.WriteU64(buf + 32, st.Size);
        m.WriteU64(buf + 40, st.Atim); m.WriteU64(buf + 48, st.Mtim); m.WriteU64(buf + 56, st.Ctim);
    }

    /// <summary>fd_filestat_set_size(fd, size).</summary>
    public static Errno FdFilestatSetSize(WasiHost h, int fd, long size)
    {
        var e = Get(h, fd, Rights.FdFilestatSetSize, out var entry);
        if (e != Errno.Success)
        {
            return e;
        }

        if (entry.ReadOnly)
        {
            return Errno.RoFs;
        }

        return Libc.Ftruncate(entry.HostFd, size) == 0 ? Errno.Success : ErrnoMapping.FromLinux(Libc.Errno);
    }

    /// <summary>fd_filestat_set_times(fd, atim, mtim, fst_flags).</summary>
    /// <returns>Inval when both X and X_NOW are set or unknown bits are set.</returns>
    public static Errno FdFilestatSetTimes(WasiHost h, int fd, long atim, long mtim, int fstFlags)
    {
        var e = Get(h, fd, Rights.FdFilestatSetTimes, out var entry);
        if (e != Errno.Success)
        {
            return e;
        }

        e = Times(atim, mtim, fstFlags, out var a, out var m);
        if (e != Errno.Success)
        {
            return e;
        }

        if (entry.ReadOnly)
        {
            return Errno.RoFs;
        }

        var ts = stackalloc Timespec[2] { a, m };
        return Libc.Futimens(entry.HostFd, ts) == 0 ? Errno.Success : ErrnoMapping.FromLinux(Libc.Errno);
    }

    /// <summary>fstflags: ATIM=1, ATIM_NOW=2, MTIM=4, MTIM_NOW=8.</summary>
    internal static Errno Times(long atim, long mtim, int flags, out Timespec a, out Timespec m)
    {
        a = m = default;
        if ((flags & ~0xf) != 0 || (flags & 3) == 3 || (flags & 12) == 12)
        {
            return Errno.Inval;
        }

        a = (flags & 1) != 0 ? Ts(atim) : new Timespec { Nanoseconds = (flags & 2) != 0 ? Libc.UTIME_NOW : Libc.UTIME_OMIT };
        m = (flags & 4) != 0 ? Ts(mtim) : new Timespec { Nanoseconds = (flags & 8) != 0 ? Libc.UTIME_NOW : Libc.UTIME_OMIT };
        return Errno.Success;
        static Timespec Ts(long ns) => new() { Seconds = (long)((ulong)ns / 1_000_000_000), Nanoseconds = (long)((ulong)ns % 1_000_000_000) };
    }

    /// <summary>fd_prestat_get(fd, *prestat): tag u8 @0 (0 = dir), name length u32 @4.</summary>
    /// <returns>BadF when fd is not a preopen (how guests find the end of the preopen list).</returns>
    public static Errno FdPrestatGet(WasiHost h, int fd, int buf)
    {
        if (!h.Fds.TryGet(fd, out var entry) || entry.PreopenName is null)
        {
            return Errno.BadF;
        }

        h.Memory.WriteU32(buf, 0);
        h.Memory.WriteU32(buf + 4, (uint)System.Text.Encoding.UTF8.GetByteCount(entry.PreopenName));
        return Errno.Success;
    }

    /// <summary>fd_prestat_dir_name(fd, path, path_len).</summary>
    /// <returns>NameTooLong when the buffer is shorter than the name.</returns>
    public static Errno FdPrestatDirName(WasiHost h, int fd, int path, int pathLen)
    {
        if (!h.Fds.TryGet(fd, out var entry) || entry.PreopenName is null)
        {
            return Errno.BadF;
        }

        var name = System.Text.Encoding.UTF8.GetBytes(entry.PreopenName);
        if ((uint)pathLen < (uint)name.Length)
        {
            return Errno.NameTooLong;
        }

        name.CopyTo(h.Memory.Span(path, name.Length));
        return Errno.Success;
    }

    /// <summary>fd_renumber(from, to): both must be open.</summary>
    public static Errno FdRenumber(WasiHost h, int from, int to) => h.Fds.Renumber(from, to);

    /// <summary>fd_sync(fd).</summary>
    public static Errno FdSync(WasiHost h, int fd)
    {
        var e = Get(h, fd, Rights.FdSync, out var entry);
        if (e != Errno.Success)
        {
            return e;
        }

        return Libc.Fsync(entry.HostFd) == 0 ? Errno.Success : ErrnoMapping.FromLinux(Libc.Errno);
    }
}
