using System.Text;
using Wasmcell.Linux;

namespace Wasmcell.Runtime.Cache;

/// <summary>The fields of <c>struct statx</c> the cache uses to tell whether a file is the one it saw before.</summary>
internal readonly record struct FileIdentity(ulong Inode, ulong Size, uint Uid, ushort Mode, long MtimeNs, long CtimeNs)
{
    /// <summary>Returns null when the path does not exist; throws <see cref="IOException"/> for other errors.</summary>
    public static unsafe FileIdentity? Of(string path, bool followSymlinks)
    {
        var buffer = stackalloc byte[256];
        var name = Encoding.UTF8.GetBytes(path + "\0");
        int result;
        Errno errno;
        fixed (byte* p = name)
        {
            do
            {
                result = Libc.Statx(Libc.AT_FDCWD, p, followSymlinks ? 0 : Libc.AT_SYMLINK_NOFOLLOW, Libc.STATX_BASIC_STATS, buffer);
                errno = result == 0 ? Errno.None : Libc.Errno;
            }
            while (errno == Errno.EINTR);
        }

        if (errno != Errno.None)
        {
            return errno == Errno.ENOENT ? null : throw Libc.IoError($"statx {path}", errno);
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
}
