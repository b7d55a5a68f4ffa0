using Wasmcell.Wasi.Abi;

namespace Wasmcell.Emscripten;

/// <summary>
/// The guest's errno numbers are Linux's (ABI.md §E: emscripten's musl uses the i386 table), so a host errno
/// passes through unchanged; syscalls answer it negated, never as a bare -1 (which reads as EPERM). The shared
/// WASI pieces (path resolution, the fd table) answer WASI errnos; those are turned back into the Linux value
/// <see cref="ErrnoMapping.FromLinux"/> made them from, so the two tables cannot drift apart.
/// </summary>
internal static class GuestErrno
{
    private static readonly LinuxErrno[] FromWasiTable = BuildFromWasi();

    private static LinuxErrno[] BuildFromWasi()
    {
        var table = new LinuxErrno[(int)Errno.NotCapable + 1];
        Array.Fill(table, LinuxErrno.EIO);
        foreach (var linux in Enum.GetValues<LinuxErrno>().Where(e => e != LinuxErrno.None).Reverse())
        {
            // Reversed, so the lowest Linux value wins where several map to one WASI errno (EAGAIN, not EWOULDBLOCK).
            table[(int)ErrnoMapping.FromLinux(linux)] = linux;
        }
        // WASI's own "not capable" has no Linux twin; a Linux program reads EACCES the same way.
        table[(int)Errno.NotCapable] = LinuxErrno.EACCES;
        return table;
    }

    public static LinuxErrno FromWasi(Errno errno) => FromWasiTable[(int)errno];

    /// <summary>A syscall's result for a WASI errno: 0 or -errno.</summary>
    public static int Result(Errno errno) => errno == Errno.Success ? 0 : -(int)FromWasi(errno);

    /// <summary>A syscall's result for the last host call: `rc` when it succeeded, else -errno.</summary>
    public static int Result(long rc) => rc >= 0 ? (int)rc : -(int)Libc.Errno;

    public static int Negative(LinuxErrno errno) => -(int)errno;
}
