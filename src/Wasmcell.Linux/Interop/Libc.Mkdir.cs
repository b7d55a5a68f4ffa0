using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "mkdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkdirRaw(string path, uint mode);

    /// <summary>mkdir(2) with mode 0755, repeated on EINTR; says whether the directory existed (EEXIST).</summary>
    public static Errno Mkdir(string path)
    {
        while (true)
        {
            var errno = Result(MkdirRaw(path, 0x1ed /* 0755 */));
            if (errno != Errno.EINTR)
            {
                return errno;
            }
        }
    }
}
