using Microsoft.Win32.SafeHandles;

namespace Wasmcell.Linux;

/// <summary>
/// Owns one Linux file descriptor (a file, FIFO, eventfd, namespace or directory) and closes it exactly once.
/// -1 is the invalid value, so a failed open can be wrapped as it is.
/// </summary>
public sealed class SafeFdHandle : SafeHandleMinusOneIsInvalid
{
    public SafeFdHandle(int fd)
        : base(ownsHandle: true)
    {
        SetHandle(fd);
    }

    /// <summary>The raw descriptor, for a call made while this handle is known to be open.</summary>
    public int Fd => (int)handle;

    /// <summary>Hands the descriptor to a new owner (a FileStream, a child's fd table): this handle no longer closes it.</summary>
    public nint Detach()
    {
        var fd = handle;
        SetHandleAsInvalid();
        return fd;
    }

    protected override bool ReleaseHandle()
    {
        Libc.Close((int)handle);
        return true; // close(2) frees the fd even when it reports an error, so there is nothing to retry.
    }
}
