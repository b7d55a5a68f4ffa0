using System.Buffers.Binary;

namespace Wasmcell.Emscripten;

/// <summary>
/// getdents64 for the guest: the host's records re-packed as the guest's fixed 268-byte `struct dirent`
/// (d_ino u32 @0, d_off i32 @4, d_reclen u16 @8, d_type u8 @10, d_name @11; ABI.md §D.4). When the guest's buffer
/// is full the directory is rewound to the first record not handed out, so the next call continues there.
/// </summary>
internal static unsafe class GuestDirectoryListing
{
    private const int RecordSize = 268;

    public static int Read(EmscriptenHost h, int fd, int buf, int count)
    {
        var rc = GuestIo.Entry(h, fd, out var entry);
        if (rc < 0)
        {
            return rc;
        }
        var capacity = count / RecordSize;
        if (capacity == 0)
        {
            return GuestErrno.Negative(LinuxErrno.EINVAL);
        }
        var target = h.Memory.Span(buf, capacity * RecordSize);
        var host = new byte[Math.Min(capacity, 128) * 280];
        nint n;
        fixed (byte* p = host)
        {
            n = Libc.Getdents64(entry.HostFd, p, (nuint)host.Length);
        }
        if (n < 0)
        {
            return -(int)Libc.Errno;
        }
        var written = 0;
        long resumeAt = -1;
        for (var pos = 0; pos < n;)
        {
            var record = host.AsSpan(pos);
            var reclen = BinaryPrimitives.ReadUInt16LittleEndian(record[16..]);
            if (written == capacity)
            {
                break;
            }
            var name = record[19..reclen];
            name = name[..Math.Max(0, name.IndexOf((byte)0))];
            var guest = target.Slice(written * RecordSize, RecordSize);
            guest.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(guest, (uint)BinaryPrimitives.ReadUInt64LittleEndian(record));
            resumeAt = BinaryPrimitives.ReadInt64LittleEndian(record[8..]);
            BinaryPrimitives.WriteInt32LittleEndian(guest[4..], (int)resumeAt);
            BinaryPrimitives.WriteUInt16LittleEndian(guest[8..], RecordSize);
            guest[10] = record[18];
            name[..Math.Min(name.Length, 255)].CopyTo(guest[11..]);
            written++;
            pos += reclen;
            if (pos < n && written == capacity)
            {
                // Records the guest had no room for are read again by the next call.
                Libc.Lseek(entry.HostFd, resumeAt, Libc.SEEK_SET);
            }
        }
        return written * RecordSize;
    }
}
