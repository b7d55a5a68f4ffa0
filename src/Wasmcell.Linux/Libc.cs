using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

/// <summary>libc calls the shim needs that .NET does not expose. Callers turn errno into exceptions at their boundary.</summary>
public static unsafe partial class Libc
{
    private const string Lib = "libc";

    public const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000,
        O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000, O_PATH = 0x200000, O_CREAT = 0x40, O_EXCL = 0x80, O_TRUNC = 0x200,
        O_APPEND = 0x400;
    public const int F_GETFL = 3, F_SETFL = 4;
    public const int EINTR = 4, ENOENT = 2, ECHILD = 10, EAGAIN = 11, EBUSY = 16, EINVAL = 22, ENXIO = 6, ESRCH = 3,
        EEXIST = 17, EADDRINUSE = 98, ENOSYS = 38, ELOOP = 40, EXDEV = 18, EPERM = 1;
    public const int WNOHANG = 1;
    public const int PR_SET_CHILD_SUBREAPER = 36, PR_SET_NO_NEW_PRIVS = 38, PR_SET_PDEATHSIG = 1;
    public const int CLONE_NEWNET = 0x40000000, CLONE_NEWIPC = 0x08000000, CLONE_NEWUTS = 0x04000000;

    [LibraryImport(Lib, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, int mode);

    [LibraryImport(Lib, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Lib, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buf, nint count);

    [LibraryImport(Lib, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buf, nint count);

    [LibraryImport(Lib, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int cmd, int arg);

    [LibraryImport(Lib, EntryPoint = "usleep")]
    public static partial int Usleep(uint microseconds);

    [LibraryImport(Lib, EntryPoint = "ioctl", SetLastError = true)]
    private static partial int IoctlInt(int fd, nuint request, int* value);

    /// <summary>Bytes waiting in the pipe or FIFO <paramref name="fd"/> belongs to (FIONREAD); 0 on error.</summary>
    public static int UnreadBytes(int fd)
    {
        int n = 0;
        return IoctlInt(fd, 0x541B /* FIONREAD */, &n) == 0 ? n : 0;
    }

    [LibraryImport(Lib, EntryPoint = "pipe2", SetLastError = true)]
    public static partial int Pipe2(int* fds, int flags);

    [LibraryImport(Lib, EntryPoint = "dup2", SetLastError = true)]
    public static partial int Dup2(int oldFd, int newFd);

    [LibraryImport(Lib, EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport(Lib, EntryPoint = "waitpid", SetLastError = true)]
    public static partial int WaitPid(int pid, int* status, int options);

    [LibraryImport(Lib, EntryPoint = "prctl", SetLastError = true)]
    public static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport(Lib, EntryPoint = "setns", SetLastError = true)]
    public static partial int Setns(int fd, int nstype);

    [LibraryImport(Lib, EntryPoint = "setsid", SetLastError = true)]
    public static partial int Setsid();

    [LibraryImport(Lib, EntryPoint = "getpid")]
    public static partial int GetPid();

    [LibraryImport(Lib, EntryPoint = "geteuid")]
    public static partial uint GetEuid();

    [LibraryImport(Lib, EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mount(string? source, string target, string? fsType, ulong flags, string? data);

    [LibraryImport(Lib, EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Umount2(string target, int flags);

    [LibraryImport(Lib, EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mkfifo(string path, int mode);

    [LibraryImport(Lib, EntryPoint = "chmod", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Chmod(string path, int mode);

    [LibraryImport(Lib, EntryPoint = "poll", SetLastError = true)]
    private static partial int PollRaw(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport(Lib, EntryPoint = "syscall", SetLastError = true)]
    public static partial long Syscall(long number, long a1, long a2, long a3, long a4);

    public static int Errno => Marshal.GetLastPInvokeError();

    public static string ErrorText(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>Retries a call interrupted by a signal.</summary>
    public static int RetryEintr(Func<int> call)
    {
        while (true)
        {
            var r = call();
            if (r >= 0 || Errno != EINTR)
            {
                return r;
            }
        }
    }

    public static void CloseQuietly(int fd)
    {
        if (fd >= 0)
        {
            Close(fd);
        }
    }

    public static IOException IoError(string what, int errno) =>
        new($"{what}: {ErrorText(errno)} (errno {errno})") { HResult = errno };

    public static (int Read, int Write) Pipe()
    {
        int* fds = stackalloc int[2];
        if (Pipe2(fds, O_CLOEXEC) != 0)
        {
            throw IoError("pipe2", Errno);
        }
        return (fds[0], fds[1]);
    }

    public static void WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            var off = 0;
            while (off < data.Length)
            {
                var n = Write(fd, p + off, data.Length - off);
                if (n < 0)
                {
                    var e = Errno;
                    if (e == EINTR)
                    {
                        continue;
                    }
                    throw IoError("write", e);
                }
                off += (int)n;
            }
        }
    }

    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    /// <summary>Waits until <paramref name="fd"/> is readable (or at EOF/error); false when the timeout passed first.</summary>
    public static bool WaitReadable(int fd, int timeoutMs)
    {
        var entry = new PollFd { Fd = fd, Events = 1 /* POLLIN */ };
        while (true)
        {
            var n = PollRaw(&entry, 1, timeoutMs);
            if (n >= 0)
            {
                return n > 0;
            }
            var e = Errno;
            if (e != EINTR)
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
        entries[0] = new PollFd { Fd = first, Events = 1 /* POLLIN */ };
        entries[1] = new PollFd { Fd = second, Events = 1 };
        while (PollRaw(entries, 2, -1) < 0)
        {
            var e = Errno;
            if (e != EINTR)
            {
                throw IoError("poll", e);
            }
        }
        return (entries[0].Revents != 0, entries[1].Revents != 0);
    }

    /// <summary>
    /// Reads up to <paramref name="buffer"/>.Length bytes; 0 means EOF, -1 that a non-blocking
    /// <paramref name="fd"/> has nothing now (EAGAIN).
    /// </summary>
    public static int ReadSome(int fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var n = Read(fd, p, buffer.Length);
                if (n >= 0)
                {
                    return (int)n;
                }
                var e = Errno;
                if (e == EAGAIN)
                {
                    return -1;
                }
                if (e != EINTR)
                {
                    throw IoError("read", e);
                }
            }
        }
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
