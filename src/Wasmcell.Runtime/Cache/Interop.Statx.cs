using System.Runtime.InteropServices;

namespace Wasmcell.Runtime.Cache;

/// <summary>statx(2): inode, size, times and owner of a file. Chosen over stat(2) because
/// <c>struct statx</c> has one layout on every architecture.</summary>
internal static partial class InteropStatx
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const int Eintr = 4;
    private const int Enoent = 2;

    /// <summary>The fields of <c>struct statx</c> the cache uses.</summary>
    internal readonly record struct FileIdentity(ulong Inode, ulong Size, uint Uid, ushort Mode, long MtimeNs, long CtimeNs);

    /// <summary>Returns null when the path does not exist; throws <see cref="IOException"/> for other errors.</summary>
    public static unsafe FileIdentity? Stat(string path, bool followSymlinks)
    {
        var buffer = stackalloc byte[256];
        int result;
        int errno;
        do
        {
            result = statx(AtFdCwd, path, followSymlinks ? 0 : AtSymlinkNoFollow, StatxBasicStats, buffer);
            errno = result == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
        while (result != 0 && errno == Eintr);

        if (result != 0)
        {
            return errno == Enoent ? null : throw new IOException($"statx {path}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }

        // Offsets from <linux/stat.h>: uid 20, mode 28, ino 32, size 40, ctime 96, mtime 112
        // (timestamps are {s64 sec; u32 nsec; s32 pad}).
        return new FileIdentity(
            Inode: *(ulong*)(buffer + 32),
            Size: *(ulong*)(buffer + 40),
            Uid: *(uint*)(buffer + 20),
            Mode: *(ushort*)(buffer + 28),
            MtimeNs: Nanoseconds(buffer + 112),
            CtimeNs: Nanoseconds(buffer + 96));
    }

    private static unsafe long Nanoseconds(byte* timestamp) => (*(long*)timestamp * 1_000_000_000L) + *(uint*)(timestamp + 8);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int statx(int dirfd, string path, int flags, uint mask, byte* buffer);
}
