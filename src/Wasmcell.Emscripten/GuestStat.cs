using System.Buffers.Binary;

namespace Wasmcell.Emscripten;

/// <summary>
/// The guest's 76-byte `struct stat` (ABI.md §D.1) from statx: 32-bit size and times (EOVERFLOW for a file of
/// 2 GiB or more, as a 32-bit off_t demands), the inode both truncated @8 and in full @72.
/// </summary>
internal static unsafe class GuestStat
{
    public const int Size = 76;

    /// <summary>statx of `name` (empty with AT_EMPTY_PATH: the fd itself) relative to `dirFd`, written at `buf`.</summary>
    public static int Write(EmscriptenHost h, int dirFd, ReadOnlySpan<byte> name, int flags, int buf)
    {
        var target = h.Memory.Span(buf, Size);
        Span<byte> nameZ = stackalloc byte[name.Length + 1];
        name.CopyTo(nameZ);
        nameZ[^1] = 0;
        byte* sx = stackalloc byte[256];
        int rc;
        fixed (byte* p = nameZ)
        {
            rc = Libc.Statx(dirFd, p, flags, Libc.STATX_BASIC_STATS, sx);
        }
        if (rc < 0)
        {
            return -(int)Libc.Errno;
        }
        var s = new ReadOnlySpan<byte>(sx, 256);
        var size = BinaryPrimitives.ReadUInt64LittleEndian(s[40..]);
        if (size > int.MaxValue)
        {
            return GuestErrno.Negative(LinuxErrno.EOVERFLOW);
        }
        var ino = BinaryPrimitives.ReadUInt64LittleEndian(s[32..]);
        target.Clear();
        U32(target, 0, (BinaryPrimitives.ReadUInt32LittleEndian(s[136..]) << 8) | BinaryPrimitives.ReadUInt32LittleEndian(s[140..]));
        U32(target, 8, (uint)ino);
        U32(target, 12, BinaryPrimitives.ReadUInt16LittleEndian(s[28..]));
        U32(target, 16, BinaryPrimitives.ReadUInt32LittleEndian(s[16..]));
        U32(target, 20, BinaryPrimitives.ReadUInt32LittleEndian(s[20..]));
        U32(target, 24, BinaryPrimitives.ReadUInt32LittleEndian(s[24..]));
        U32(target, 28, (BinaryPrimitives.ReadUInt32LittleEndian(s[128..]) << 8) | BinaryPrimitives.ReadUInt32LittleEndian(s[132..]));
        U32(target, 36, (uint)size);
        U32(target, 40, BinaryPrimitives.ReadUInt32LittleEndian(s[4..]));
        U32(target, 44, (uint)BinaryPrimitives.ReadUInt64LittleEndian(s[48..]));
        Time(target, 48, s[64..]);  // atime
        Time(target, 56, s[112..]); // mtime
        Time(target, 64, s[96..]);  // ctime
        U32(target, 72, (uint)ino);
        return 0;
    }

    private static void U32(Span<byte> target, int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(target[offset..], value);

    private static void Time(Span<byte> target, int offset, ReadOnlySpan<byte> statxTimestamp)
    {
        U32(target, offset, (uint)BinaryPrimitives.ReadInt64LittleEndian(statxTimestamp));
        U32(target, offset + 4, BinaryPrimitives.ReadUInt32LittleEndian(statxTimestamp[8..]));
    }
}
