using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    /// <summary>Returns 0 or the error number itself; errno is not set.</summary>
    [LibraryImport("libc", EntryPoint = "posix_fallocate")]
    public static partial int PosixFallocate(int fd, long offset, long len);
}
