using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    public const short POLLIN = 1, POLLPRI = 2, POLLOUT = 4, POLLERR = 8, POLLHUP = 16, POLLNVAL = 32;

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    /// <summary>Waits until <paramref name="fd"/> is readable (or at EOF/error); false when the timeout passed first.</summary>
    public static bool WaitReadable(int fd, int timeoutMs)
    {
        var entry = new PollFd { Fd = fd, Events = POLLIN };
        while (true)
        {
            var n = Poll(&entry, 1, timeoutMs);
            if (n >= 0)
            {
                return n > 0;
            }
            var e = Errno;
            if (e != Errno.EINTR)
            {
                throw IoError("poll", e);
            }
        }
    }

    /// <summary>
    /// Waits, without a timeout, until <paramref name="first"/> or <paramref name="second"/> is readable (or
    /// at EOF/error); says which of them are.
    /// </summary>
    public static (bool First, bool Second) WaitEitherReadable(int first, int second)
    {
        PollFd* entries = stackalloc PollFd[2];
        entries[0] = new PollFd { Fd = first, Events = POLLIN };
        entries[1] = new PollFd { Fd = second, Events = POLLIN };
        while (Poll(entries, 2, -1) < 0)
        {
            var e = Errno;
            if (e != Errno.EINTR)
            {
                throw IoError("poll", e);
            }
        }
        return (entries[0].Revents != 0, entries[1].Revents != 0);
    }
}

/// <summary>struct pollfd.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct PollFd
{
    public int Fd;
    public short Events;
    public short Revents;
}
