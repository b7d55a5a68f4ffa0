using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    public static partial int Pipe2(int* fds, int flags);

    /// <summary>A close-on-exec pipe; errors throw.</summary>
    public static (int Read, int Write) Pipe()
    {
        int* fds = stackalloc int[2];
        if (Pipe2(fds, O_CLOEXEC) != 0)
        {
            throw IoError("pipe2", Errno);
        }
        return (fds[0], fds[1]);
    }
}
