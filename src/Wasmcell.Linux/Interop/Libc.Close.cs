using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static partial class Libc
{
    /// <summary>
    /// close(2). Never repeated on EINTR: Linux frees the fd before it can be interrupted, so a second close
    /// could close an fd another thread has just opened.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>Closes <paramref name="fd"/> unless it is -1 (never opened, or already handed off).</summary>
    public static void CloseQuietly(int fd)
    {
        if (fd >= 0)
        {
            Close(fd);
        }
    }
}
