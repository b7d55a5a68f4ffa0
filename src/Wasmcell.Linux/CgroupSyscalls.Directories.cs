using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

/// <summary>mkdir/rmdir with errno: creating a cgroup must say whether it existed, removing one must see EBUSY.</summary>
public static partial class CgroupSyscalls
{
    [LibraryImport("libc", EntryPoint = "mkdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkdirRaw(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "rmdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RmdirRaw(string path);

    public static Errno Mkdir(string path)
    {
        while (true)
        {
            var errno = MkdirRaw(path, 0x1ed /* 0755 */) == 0 ? Errno.None : ErrnoExtensions.Last();
            if (errno != Errno.EINTR) return errno;
        }
    }

    public static Errno Rmdir(string path)
    {
        while (true)
        {
            var errno = RmdirRaw(path) == 0 ? Errno.None : ErrnoExtensions.Last();
            if (errno != Errno.EINTR) return errno;
        }
    }
}
