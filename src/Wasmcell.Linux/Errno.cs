namespace Wasmcell.Linux;

/// <summary>The errno values the cgroup layer tells apart (Linux numbering, same on x86-64 and arm64).</summary>
public enum Errno
{
    None = 0,
    EPERM = 1,
    ENOENT = 2,
    ESRCH = 3,
    EINTR = 4,
    EAGAIN = 11,
    EACCES = 13,
    EBUSY = 16,
    EEXIST = 17,
    ENOTDIR = 20,
    EINVAL = 22,
    ENOSPC = 28,
    ENOSYS = 38,
    ENOTEMPTY = 39,
    EOPNOTSUPP = 95,
}

public static class ErrnoExtensions
{
    /// <summary>errno of the last P/Invoke made with SetLastError = true.</summary>
    public static Errno Last() => (Errno)System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
}
