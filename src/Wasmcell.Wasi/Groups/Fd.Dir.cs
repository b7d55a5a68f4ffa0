using System.Buffers.Binary;
using Wasmcell.Wasi.Abi;
using Wasmcell.Wasi.Sys;

namespace Wasmcell.Wasi.Groups;

/// <summary>fd_readdir.</summary>
internal static partial class Fd
{
    /// <summary>
    /// fd_readdir(fd, buf, buf_len, cookie, *bufused). Each entry is a 24-byte dirent
    /// (d_next u64, d_ino u64, d_namlen u32, d_type u8) followed by the name. The last entry is
    /// cut at buf_len; bufused == buf_len tells the guest to call again with a bigger buffer.
    /// </summary>
    /// <returns>BadF, NotCapable, NotDir. https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_readdir</returns>
    public static Errno FdReaddir(WasiHost h, int fd, int buf, int bufLen, long cookie, int bufUsed)
    {
        var e = Get(h, fd, Rights.FdReaddir, out var entry);
        if (e != Errno.Success)
        {
            return e;
        }

        if (entry.Type != FileType.Directory)
        {
            return Errno.NotDir;
        }

        if (cookie == 0 || entry.Listing is null)
        {
            e = DirectoryListing.Read(entry.HostFd, out var listing);
            if (e != Errno.Success)
            {
                return e;
            }

            entry.Listing = listing;
        }
        var entries = entry.Listing.Entries;
        var output = h.Memory.Span(buf, bufLen);
        int used = 0;
        Span<byte> header = stackalloc byte[24];
        for (long i = Math.Max(0, cookie); i < entries.Count && used < output.Length; i++)
        {
            var d = entries[(int)i];
            header.Clear();
            BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)(i + 1));
            BinaryPrimitives.WriteUInt64LittleEndian(header[8..], d.Ino);
            BinaryPrimitives.WriteUInt32LittleEndian(header[16..], (uint)d.Name.Length);
            header[20] = (byte)d.Type;
            used += CopyCut(header, output[used..]);
            used += CopyCut(d.Name, output[used..]);
        }
        h.Memory.WriteU32(bufUsed, (uint)used);
        return Errno.Success;
    }

    private static int CopyCut(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        int n = Math.Min(src.Length, dst.Length);
        src[..n].CopyTo(dst);
        return n;
    }
}
