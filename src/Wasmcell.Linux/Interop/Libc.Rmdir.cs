using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "rmdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RmdirRaw(string path);

    /// <summary>rmdir(2), repeated on EINTR; removing a cgroup must see EBUSY.</summary>
    public static Errno Rmdir(string path)
    {
        while (true)
        {
            var errno = Result(RmdirRaw(path));
            if (errno != Errno.EINTR)
            {
                return errno;
            }
        }
    }
}
