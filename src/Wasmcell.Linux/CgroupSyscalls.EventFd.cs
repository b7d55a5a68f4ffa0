using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

/// <summary>eventfd(2): the v1 memory controller signals OOM through an eventfd registered in cgroup.event_control.</summary>
public static partial class CgroupSyscalls
{
    public const int EFD_CLOEXEC = 0x80000;

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    private static partial int EventFdRaw(uint initval, int flags);

    public static int EventFd(out Errno errno)
    {
        var fd = EventFdRaw(0, EFD_CLOEXEC);
        errno = fd < 0 ? ErrnoExtensions.Last() : Errno.None;
        return fd;
    }
}
