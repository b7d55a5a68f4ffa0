using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

/// <summary>
/// libc calls .NET does not expose, one file per call (Interop/Libc.&lt;call&gt;.cs). The raw imports return
/// what libc returns; errno stays typed (<see cref="Linux.Errno"/>) until a caller turns it into an exception
/// at its boundary.
/// </summary>
public static partial class Libc
{
    /// <summary>errno of the last call made here (every import that can fail sets it).</summary>
    public static Errno Errno => (Errno)Marshal.GetLastPInvokeError();

    /// <summary>strerror's text for <paramref name="errno"/>.</summary>
    public static string ErrorText(Errno errno) => Marshal.GetPInvokeErrorMessage((int)errno);

    /// <summary>An IOException saying what failed and why; its HResult is the errno.</summary>
    public static IOException IoError(string what, Errno errno) =>
        new($"{what}: {ErrorText(errno)} ({errno})") { HResult = (int)errno };

    /// <summary>Repeats <paramref name="call"/> while it fails with EINTR (a signal arrived before it did anything).</summary>
    public static int RetryEintr(Func<int> call)
    {
        while (true)
        {
            var r = call();
            if (r >= 0 || Errno != Errno.EINTR)
            {
                return r;
            }
        }
    }

    /// <summary>The typed result of a call that returns 0 or -1: <see cref="Errno.None"/> or errno.</summary>
    public static Errno Result(int rc) => rc == 0 ? Errno.None : Errno;
}
