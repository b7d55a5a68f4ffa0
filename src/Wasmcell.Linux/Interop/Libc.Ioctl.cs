using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    public const nuint FIONREAD = 0x541B;

    /// <summary>ioctl(2) with an int* argument.</summary>
    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, int* value);

    /// <summary>Bytes waiting in the pipe or FIFO <paramref name="fd"/> belongs to (FIONREAD); 0 on error.</summary>
    public static int UnreadBytes(int fd)
    {
        int n = 0;
        return Ioctl(fd, FIONREAD, &n) == 0 ? n : 0;
    }
}
