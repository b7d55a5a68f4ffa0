using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    public const uint MFD_CLOEXEC = 1;

    [LibraryImport("libc", EntryPoint = "memfd_create", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int MemfdCreate(string name, uint flags);

    /// <summary>An anonymous close-on-exec file holding <paramref name="content"/>, positioned at its start; errors throw.</summary>
    public static int MemoryFile(string name, ReadOnlySpan<byte> content)
    {
        var fd = MemfdCreate(name, MFD_CLOEXEC);
        if (fd < 0)
        {
            throw IoError("memfd_create", Errno);
        }
        try
        {
            WriteAll(fd, content);
            if (Lseek(fd, 0, 0 /* SEEK_SET */) < 0)
            {
                throw IoError("lseek", Errno);
            }
            return fd;
        }
        catch
        {
            Close(fd);
            throw;
        }
    }
}
