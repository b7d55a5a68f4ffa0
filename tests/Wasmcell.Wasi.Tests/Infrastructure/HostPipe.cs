using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wasmcell.Wasi.Tests.Infrastructure;

/// <summary>An anonymous host pipe, to bind a guest's stdio to a real pipe.</summary>
internal sealed partial class HostPipe : IDisposable
{
    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int pipe2(int* fds, int flags);

    public SafeFileHandle Read { get; }
    public SafeFileHandle Write { get; }

    public unsafe HostPipe()
    {
        int* fds = stackalloc int[2];
        if (pipe2(fds, 0x80000 /* O_CLOEXEC */) != 0)
        {
            throw new IOException($"pipe2: {Marshal.GetLastPInvokeError()}");
        }

        Read = new SafeFileHandle(fds[0], ownsHandle: true);
        Write = new SafeFileHandle(fds[1], ownsHandle: true);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint write(int fd, byte* buf, nuint count);

    public unsafe void WriteAll(ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            if (write((int)Write.DangerousGetHandle(), p, (nuint)data.Length) != data.Length)
            {
                throw new IOException($"write: {Marshal.GetLastPInvokeError()}");
            }
        }
    }

    public void Dispose()
    {
        Read.Dispose();
        Write.Dispose();
    }
}
