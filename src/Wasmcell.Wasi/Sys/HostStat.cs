using System.Buffers.Binary;
using Wasmcell.Wasi.Abi;

namespace Wasmcell.Wasi.Sys;

/// <summary>WASI filestat fields, read with statx (its layout is the same on every architecture).</summary>
internal readonly record struct Filestat(ulong Dev, ulong Ino, FileType Type, ulong Nlink, ulong Size,
    ulong Atim, ulong Mtim, ulong Ctim);

internal static unsafe class HostStat
{
    private const uint STATX_BASIC_STATS = 0x7ff;

    public static Errno OfFd(int fd, out Filestat stat)
    {
        byte empty = 0;
        return Statx(fd, &empty, Libc.AT_EMPTY_PATH, out stat);
    }

    /// <summary>stat of `name` (one component, no slash escapes) relative to `dirfd`.</summary>
    public static Errno At(int dirfd, byte[] nameZ, bool follow, out Filestat stat)
    {
        fixed (byte* p = nameZ)
        {
            return Statx(dirfd, p, follow ? 0 : Libc.AT_SYMLINK_NOFOLLOW, out stat);
        }
    }

    private static Errno Statx(int dirfd, byte* path, int flags, out Filestat stat)
    {
        byte* buf = stackalloc byte[256];
        if (Libc.Statx(dirfd, path, flags, STATX_BASIC_STATS, buf) < 0)
        {
            stat = default;
            return ErrnoMapping.FromLinux(Libc.Errno);
        }
        var s = new ReadOnlySpan<byte>(buf, 256);
        uint mode = BinaryPrimitives.ReadUInt16LittleEndian(s[28..]);
        ulong dev = MakeDev(BinaryPrimitives.ReadUInt32LittleEndian(s[136..]), BinaryPrimitives.ReadUInt32LittleEndian(s[140..]));
        stat = new Filestat(
            dev,
            BinaryPrimitives.ReadUInt64LittleEndian(s[32..]),
            TypeOfMode(mode),
            BinaryPrimitives.ReadUInt32LittleEndian(s[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(s[40..]),
            Nanos(s[64..]), Nanos(s[112..]), Nanos(s[96..]));
        return Errno.Success;
    }

    private static ulong Nanos(ReadOnlySpan<byte> ts) =>
        (ulong)BinaryPrimitives.ReadInt64LittleEndian(ts) * 1_000_000_000UL + BinaryPrimitives.ReadUInt32LittleEndian(ts[8..]);

    // glibc's makedev encoding, so dev matches what st_dev would be.
    private static ulong MakeDev(uint major, uint minor) =>
        ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8)
        | ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);

    public static FileType TypeOfMode(uint mode) => (mode & 0xF000) switch
    {
        0x6000 => FileType.BlockDevice,
        0x2000 => FileType.CharacterDevice,
        0x4000 => FileType.Directory,
        0x8000 => FileType.RegularFile,
        0xC000 => FileType.SocketStream,
        0xA000 => FileType.SymbolicLink,
        _ => FileType.Unknown, // FIFO: WASI has no filetype for it
    };

    /// <summary>The filetype of an open host fd; sockets are told apart by SO_TYPE.</summary>
    public static Errno TypeOfFd(int fd, out FileType type)
    {
        var e = OfFd(fd, out var st);
        type = st.Type;
        if (e != Errno.Success)
        {
            return e;
        }

        if (type == FileType.SocketStream)
        {
            int so = 0; uint len = 4;
            if (Libc.Getsockopt(fd, Libc.SOL_SOCKET, Libc.SO_TYPE, &so, &len) == 0 && so == Libc.SOCK_DGRAM)
            {
                type = FileType.SocketDgram;
            }
        }
        return Errno.Success;
    }
}
