using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static partial class Libc
{
    public const int F_GETFL = 3, F_SETFL = 4, F_DUPFD_CLOEXEC = 1030;

    /// <summary>fcntl(2) with an int argument.</summary>
    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int cmd, int arg);

    /// <summary>A close-on-exec duplicate of <paramref name="fd"/> numbered <paramref name="lowest"/> or above; errors throw.</summary>
    public static int DupCloexec(int fd, int lowest = 0)
    {
        var copy = Fcntl(fd, F_DUPFD_CLOEXEC, lowest);
        return copy >= 0 ? copy : throw IoError("dup", Errno);
    }

    public static void ClearNonBlocking(int fd)
    {
        var flags = Fcntl(fd, F_GETFL, 0);
        if (flags >= 0)
        {
            Fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
        }
    }
}
