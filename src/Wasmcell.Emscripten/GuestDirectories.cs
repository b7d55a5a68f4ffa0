using System.Text;
using Wasmcell.Wasi;
using Wasmcell.Wasi.Abi;
using Wasmcell.Wasi.Sys;

namespace Wasmcell.Emscripten;

/// <summary>One directory the guest's paths resolve beneath: a preopen's host fd, its guest name, read-only or not.</summary>
internal sealed record GuestDirectory(int Fd, string Name, bool ReadOnly);

/// <summary>
/// Where an Emscripten guest's paths lead. The guest has no preopen fds of its own (its libc passes plain paths
/// to open/stat/mkdir), so the host picks the directory: relative paths start at the cwd preopen ("."), absolute
/// ones at the longest preopen name that prefixes them ("/" is the rootfs). The rest is resolved by the WASI
/// host's <see cref="PathResolver"/>, openat2 with RESOLVE_BENEATH: ".." and symlinks never leave that directory.
/// </summary>
internal sealed unsafe class GuestDirectories : IDisposable
{
    private readonly List<GuestDirectory> _absolute = new();
    private GuestDirectory? _cwd;

    public GuestDirectories(IEnumerable<Preopen> preopens)
    {
        foreach (var p in preopens)
        {
            var dir = new GuestDirectory(OpenDirectory(p.HostPath), p.GuestPath, p.ReadOnly);
            if (p.GuestPath == ".")
            {
                _cwd = dir;
            }
            else if (p.GuestPath.StartsWith('/'))
            {
                _absolute.Add(dir);
            }
            else
            {
                Libc.Close(dir.Fd);
            }
        }
        // Without a "." preopen relative paths start at "/", as for a process whose cwd is the root.
        _cwd ??= _absolute.FirstOrDefault(d => d.Name == "/");
        _absolute.Sort((a, b) => b.Name.Length.CompareTo(a.Name.Length));
    }

    private static int OpenDirectory(string hostPath)
    {
        var how = new OpenHow { Flags = (ulong)(Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC) };
        var path = Encoding.UTF8.GetBytes(hostPath + "\0");
        fixed (byte* p = path)
        {
            var fd = Libc.Openat2(Libc.AT_FDCWD, p, &how);
            return fd >= 0 ? fd : throw new DirectoryNotFoundException($"cannot open directory '{hostPath}': errno {Libc.Errno}");
        }
    }

    /// <summary>
    /// The directory `path` starts at and the path relative to it (never absolute, never empty). ENOENT for an
    /// empty path or an absolute one no directory covers.
    /// </summary>
    public Errno Resolve(ReadOnlySpan<byte> path, out GuestDirectory dir, out byte[] relative)
    {
        dir = null!;
        relative = [];
        var e = PathResolver.Validate(path);
        if (e != Errno.Success)
        {
            return e;
        }
        if (path[0] != (byte)'/')
        {
            if (_cwd is null)
            {
                return Errno.NoEnt;
            }
            dir = _cwd;
            relative = Z(path);
            return Errno.Success;
        }
        foreach (var d in _absolute)
        {
            var name = Encoding.UTF8.GetBytes(d.Name.TrimEnd('/'));
            if (path.StartsWith(name) && (path.Length == name.Length || path[name.Length] == (byte)'/'))
            {
                var rest = path[name.Length..].TrimStart((byte)'/');
                dir = d;
                relative = Z(rest.IsEmpty ? "."u8 : rest);
                return Errno.Success;
            }
        }
        return Errno.NoEnt;
    }

    /// <summary>chdir: the new cwd must be a directory beneath one the guest can reach; it keeps that one's read-only flag.</summary>
    public Errno ChangeDirectory(ReadOnlySpan<byte> path)
    {
        var e = Resolve(path, out var dir, out var relative);
        if (e != Errno.Success)
        {
            return e;
        }
        e = PathResolver.Open(dir.Fd, relative, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0, out var fd);
        if (e != Errno.Success)
        {
            return e;
        }
        var old = _cwd;
        _cwd = new GuestDirectory(fd, ".", dir.ReadOnly);
        if (old is not null && !_absolute.Contains(old))
        {
            Libc.Close(old.Fd);
        }
        return Errno.Success;
    }

    private static byte[] Z(ReadOnlySpan<byte> path)
    {
        var z = new byte[path.Length + 1];
        path.CopyTo(z);
        return z;
    }

    public void Dispose()
    {
        foreach (var d in _absolute)
        {
            Libc.Close(d.Fd);
        }
        if (_cwd is not null && !_absolute.Contains(_cwd))
        {
            Libc.Close(_cwd.Fd);
        }
        _absolute.Clear();
        _cwd = null;
    }
}
