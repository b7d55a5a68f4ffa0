using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    public const int AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_SYMLINK_FOLLOW = 0x400, AT_EMPTY_PATH = 0x1000;
    public const uint STATX_BASIC_STATS = 0x7ff;

    /// <summary>
    /// statx(2), chosen over stat(2) because <c>struct statx</c> (256 bytes) has one layout on every
    /// architecture. Returns 0, or -1 with <see cref="Errno"/> set.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true)]
    public static partial int Statx(int dirFd, byte* path, int flags, uint mask, byte* statxBuffer);
}
