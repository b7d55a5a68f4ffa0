using System.Buffers.Binary;
using Wasmcell.Wasi.Abi;

namespace Wasmcell.Wasi.Sys;

/// <summary>One directory entry as fd_readdir reports it.</summary>
internal readonly record struct DirEntry(ulong Ino, FileType Type, byte[] Name);

/// <summary>
/// A snapshot of a directory, read with getdents64. fd_readdir cookies are indexes into it
/// (cookie n = "resume after entry n"), which keeps them stable across calls; cookie 0 rereads
/// the directory, so a rewinddir sees new entries.
/// </summary>
internal sealed unsafe class DirectoryListing
{
    public List<DirEntry> Entries { get; } = new();

    public static Errno Read(int dirFd, out DirectoryListing listing)
    {
        listing = new DirectoryListing();
        if (Libc.Lseek(dirFd, 0, Libc.SEEK_SET) < 0)
        {
            return ErrnoMapping.FromLinux(Libc.Errno);
        }

        var buf = new byte[32 * 1024];
        while (true)
        {
            nint n;
            fixed (byte* p = buf)
            {
                n = Libc.Getdents64(dirFd, p, (nuint)buf.Length);
            }

            if (n < 0)
            {
                if (Libc.Errno == LinuxErrno.EINTR)
                {
                    continue;
                }

                return ErrnoMapping.FromLinux(Libc.Errno);
            }
            if (n == 0)
            {
                return Errno.Success;
            }

            int off = 0;
            while (off < n)
            {
                // struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
                var rec = buf.AsSpan(off);
                ulong ino = BinaryPrimitives.ReadUInt64LittleEndian(rec);
                ushort reclen = BinaryPrimitives.ReadUInt16LittleEndian(rec[16..]);
                byte dtype = rec[18];
                var nameSpan = rec[19..reclen];
                int nul = nameSpan.IndexOf((byte)0);
                var name = (nul < 0 ? nameSpan : nameSpan[..nul]).ToArray();
                var type = TypeOfDType(dtype);
                if (dtype == 0) // DT_UNKNOWN: some filesystems do not fill d_type
                {
                    var z = new byte[name.Length + 1];
                    name.CopyTo(z, 0);
                    if (HostStat.At(dirFd, z, follow: false, out var st) == Errno.Success)
                    {
                        type = st.Type;
                    }
                }
                listing.Entries.Add(new DirEntry(ino, type, name));
                off += reclen;
            }
        }
    }

    private static FileType TypeOfDType(byte t) => t switch
    {
        1 => FileType.Unknown,        // FIFO
        2 => FileType.CharacterDevice,
        4 => FileType.Directory,
        6 => FileType.BlockDevice,
        8 => FileType.RegularFile,
        10 => FileType.SymbolicLink,
        12 => FileType.SocketStream,
        _ => FileType.Unknown,
    };
}
