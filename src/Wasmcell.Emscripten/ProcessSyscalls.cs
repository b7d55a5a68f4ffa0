using System.Text;

namespace Wasmcell.Emscripten;

/// <summary>Process, identity, limits and memory syscalls (ABI.md §B.3, §C.2).</summary>
internal static class ProcessSyscalls
{
    private const int RLIMIT_NOFILE = 7, MAP_ANONYMOUS = 0x20;

    /// <summary>
    /// The guest's uid, euid, gid: 65534 ("nobody"). It cannot change users or owners here (no setuid, no chown),
    /// and a guest told it is root takes paths that need them: nginx then looks up nobody/nogroup and chowns its
    /// temp directories (ABI.md §G.10).
    /// </summary>
    public const int GuestUid = 65534;

    public static int Getpid(EmscriptenHost h, int va) => Libc.GetPid();

    /// <summary>The cell is the container's only process; its parent is outside the container, pid 0 as seen from inside.</summary>
    public static int Getppid(EmscriptenHost h, int va) => 0;

    public static int Getuid(EmscriptenHost h, int va) => GuestUid;

    public static int Umask(EmscriptenHost h, int va)
    {
        var old = h.Umask;
        h.Umask = h.Arg(va, 0) & 0x1ff;
        return old;
    }

    public static int NotPermitted(EmscriptenHost h, int va) => GuestErrno.Negative(LinuxErrno.EPERM);

    public static int NotImplemented(EmscriptenHost h, int va) => GuestErrno.Negative(LinuxErrno.ENOSYS);

    public static int Success(EmscriptenHost h, int va) => 0;

    /// <summary>munmap: mmap2's blocks come from the guest's own malloc and are not given back (as under wasmer).</summary>
    public static int Munmap(EmscriptenHost h, int va) => 0;

    /// <summary>mmap2(addr, len, prot, flags, fd, pgoff): anonymous maps are zeroed guest heap; file maps are ENODEV.</summary>
    public static int Mmap2(EmscriptenHost h, int va)
    {
        int length = h.Arg(va, 1), flags = h.Arg(va, 3);
        if ((flags & MAP_ANONYMOUS) == 0)
        {
            return GuestErrno.Negative(LinuxErrno.ENODEV);
        }
        if (length <= 0)
        {
            return GuestErrno.Negative(LinuxErrno.EINVAL);
        }
        var p = h.Exports.Memalign(EmscriptenLayout.PageSize, length);
        if (p == 0)
        {
            return GuestErrno.Negative(LinuxErrno.ENOMEM);
        }
        h.Memory.Span(p, length).Clear();
        return p;
    }

    /// <summary>uname(*utsname): six 65-byte fields (ABI.md §D.7).</summary>
    public static int Uname(EmscriptenHost h, int va)
    {
        var target = h.Memory.Span(h.Arg(va, 0), 6 * 65);
        target.Clear();
        var release = Environment.OSVersion.Version.ToString();
        string[] fields = ["Linux", Environment.MachineName, release, "#1", "wasm32", "(none)"];
        for (var i = 0; i < fields.Length; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(fields[i]);
            bytes.AsSpan(0, Math.Min(bytes.Length, 64)).CopyTo(target[(i * 65)..]);
        }
        return 0;
    }

    /// <summary>prlimit64(pid, resource, *new, *old): {u64 cur, u64 max}. NOFILE is the fd table's size; new limits are ignored.</summary>
    public static int Prlimit(EmscriptenHost h, int va)
    {
        int resource = h.Arg(va, 1), old = h.Arg(va, 3);
        if (old != 0)
        {
            var limit = resource == RLIMIT_NOFILE ? EmscriptenLayout.MaxFds : ulong.MaxValue;
            h.Memory.WriteU64(old, limit);
            h.Memory.WriteU64(old + 8, limit);
        }
        return 0;
    }

    /// <summary>ugetrlimit(resource, *u32[2]).</summary>
    public static int Ugetrlimit(EmscriptenHost h, int va)
    {
        int resource = h.Arg(va, 0), target = h.Arg(va, 1);
        var limit = resource == RLIMIT_NOFILE ? (uint)EmscriptenLayout.MaxFds : uint.MaxValue;
        h.Memory.WriteU32(target, limit);
        h.Memory.WriteU32(target + 4, limit);
        return 0;
    }
}
