using System.Runtime.InteropServices;

namespace Wasmcell.Wasi.Interop;

/// <summary>Waiting: ppoll, eventfd, clocks.</summary>
internal static unsafe partial class Libc
{
    [LibraryImport("libc", SetLastError = true)] internal static partial int ppoll(PollFd* fds, nuint nfds, Timespec* timeout, void* sigmask);
    [LibraryImport("libc", SetLastError = true)] internal static partial int eventfd(uint initval, int flags);
    [LibraryImport("libc", SetLastError = true)] internal static partial nint write(int fd, byte* buf, nuint count);
    [LibraryImport("libc", SetLastError = true)] internal static partial int clock_gettime(int clockId, Timespec* ts);
    [LibraryImport("libc", SetLastError = true)] internal static partial int clock_getres(int clockId, Timespec* ts);
    [LibraryImport("libc", SetLastError = true)] internal static partial int sched_yield();

    internal const short POLLIN = 1, POLLPRI = 2, POLLOUT = 4, POLLERR = 8, POLLHUP = 16, POLLNVAL = 32;
    internal const int EFD_CLOEXEC = 0x80000, EFD_NONBLOCK = 0x800;
}

[StructLayout(LayoutKind.Sequential)]
internal struct PollFd
{
    public int Fd;
    public short Events;
    public short Revents;
}
