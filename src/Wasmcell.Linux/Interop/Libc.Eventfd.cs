using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static partial class Libc
{
    public const int EFD_NONBLOCK = 0x800, EFD_CLOEXEC = 0x80000;

    /// <summary>eventfd(2). Returns an fd, or -1 with <see cref="Errno"/> set.</summary>
    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initval, int flags);
}
