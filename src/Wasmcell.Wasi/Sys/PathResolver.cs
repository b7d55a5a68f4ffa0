using Wasmcell.Wasi.Abi;

namespace Wasmcell.Wasi.Sys;

/// <summary>
/// Resolves guest paths relative to a directory fd so that no path, symlink or magic link can
/// leave that directory. Everything goes through openat2 with RESOLVE_BENEATH |
/// RESOLVE_NO_MAGICLINKS: the kernel itself refuses "..", absolute paths and absolute symlinks
/// that would climb above the dirfd (EXDEV, reported to the guest as EPERM, as wasi-testsuite
/// expects) and /proc magic links (ELOOP). Operations without an openat2 form (unlinkat, mkdirat,
/// renameat, linkat, symlinkat, readlinkat, statx, utimensat) first open the *parent* with
/// openat2 and then act on a single final component with AT_SYMLINK_NOFOLLOW semantics, so the
/// only name the kernel resolves outside openat2 is one entry of a directory already proven to be
/// beneath the dirfd.
/// </summary>
internal static unsafe class PathResolver
{
    private const ulong Resolve = Libc.RESOLVE_BENEATH | Libc.RESOLVE_NO_MAGICLINKS;

    /// <summary>A guest path must be non-empty and free of NULs (a NUL would silently cut it short).</summary>
    public static Errno Validate(ReadOnlySpan<byte> path)
    {
        if (path.Length == 0)
        {
            return Errno.NoEnt;
        }

        if (path.IndexOf((byte)0) >= 0)
        {
            return Errno.Inval;
        }

        return Errno.Success;
    }

    /// <summary>openat2 beneath `dirfd`. `pathZ` is NUL-terminated.</summary>
    public static Errno Open(int dirfd, byte[] pathZ, int flags, uint mode, out int fd)
    {
        var how = new OpenHow { Flags = (ulong)(uint)flags, Mode = (flags & Libc.O_CREAT) != 0 ? mode : 0, Resolve = Resolve };
        while (true)
        {
            fixed (byte* p = pathZ)
            {
                fd = Libc.Openat2(dirfd, p, &how);
            }

            if (fd >= 0)
            {
                return Errno.Success;
            }

            var errno = Libc.Errno;
            if (errno == LinuxErrno.EINTR || errno == LinuxErrno.EAGAIN)
            {
                continue; // EAGAIN: concurrent rename race, retry
            }

            return errno == LinuxErrno.EXDEV ? Errno.Perm : ErrnoMapping.FromLinux(errno);
        }
    }

    /// <summary>
    /// Splits `path` into a parent directory (opened beneath `dirfd`, or `dirfd` itself) and its
    /// final component (trailing slashes kept, so the kernel still applies "must be a directory").
    /// Dispose the result to close the parent.
    /// </summary>
    public static Errno OpenParent(int dirfd, ReadOnlySpan<byte> path, out ParentDir parent)
    {
        parent = default;
        var e = Validate(path);
        if (e != Errno.Success)
        {
            return e;
        }

        if (path[0] == (byte)'/')
        {
            return Errno.Perm;
        }

        int end = path.Length;
        while (end > 0 && path[end - 1] == (byte)'/')
        {
            end--;
        }

        int slash = path[..end].LastIndexOf((byte)'/');
        var name = path[(slash + 1)..end];
        var trailing = path[end..];
        var parentPath = slash < 0 ? ReadOnlySpan<byte>.Empty : path[..(slash + 1)];

        // A final "." or ".." would make *at() act on the parent or grandparent: resolve the whole
        // path as a directory instead (openat2 proves it is beneath) and act on "." inside it.
        if (name.SequenceEqual("."u8) || name.SequenceEqual(".."u8))
        {
            parentPath = path;
            name = "."u8;
            trailing = default;
        }

        var last = new byte[name.Length + trailing.Length + 1];
        name.CopyTo(last);
        trailing.CopyTo(last.AsSpan(name.Length));

        if (parentPath.IsEmpty)
        {
            parent = new ParentDir(dirfd, owned: false, last);
            return Errno.Success;
        }
        var pz = new byte[parentPath.Length + 1];
        parentPath.CopyTo(pz);
        e = Open(dirfd, pz, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0, out int fd);
        if (e != Errno.Success)
        {
            return e;
        }

        parent = new ParentDir(fd, owned: true, last);
        return Errno.Success;
    }
}

/// <summary>A resolved parent directory and the final component to act on.</summary>
internal readonly struct ParentDir : IDisposable
{
    public ParentDir(int fd, bool owned, byte[] nameZ) { Fd = fd; Owned = owned; NameZ = nameZ; }
    public int Fd { get; }
    public bool Owned { get; }
    /// <summary>Final component, NUL-terminated.</summary>
    public byte[] NameZ { get; }
    public bool NameIsDot => NameZ.Length == 2 && NameZ[0] == (byte)'.';
    public void Dispose()
    {
        if (Owned)
        {
            Libc.Close(Fd);
        }
    }
}
