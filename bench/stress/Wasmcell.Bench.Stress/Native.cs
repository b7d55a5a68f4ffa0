using System.Runtime.InteropServices;

namespace Wasmcell.Bench.Stress;

/// <summary>The few libc calls the fake containerd needs for a bundle's `log` FIFO.</summary>
internal static partial class Native
{
    public const int O_RDWR = 2;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;

    [LibraryImport("libc", EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkfifoRaw(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenRaw(string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int CloseRaw(int fd);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    public static void Mkfifo(string path, uint mode)
    {
        if (MkfifoRaw(path, mode) != 0)
        {
            throw new IOException($"mkfifo {path}: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public static int Open(string path, int flags)
    {
        var fd = OpenRaw(path, flags, 0);
        return fd >= 0 ? fd : throw new IOException($"open {path}: errno {Marshal.GetLastPInvokeError()}");
    }

    public static void Close(int fd)
    {
        if (fd >= 0)
        {
            _ = CloseRaw(fd);
        }
    }
}
