using Wasmcell.Wasi.Abi;

namespace Wasmcell.Wasi.Groups;

/// <summary>random_get.</summary>
internal static unsafe partial class Random
{
    /// <summary>random_get(buf, len): fills from the kernel's CSPRNG (getrandom(2), blocking only until it is seeded at boot).</summary>
    /// <returns>Fault when the buffer is out of bounds.</returns>
    public static Errno RandomGet(WasiHost h, int buf, int len)
    {
        var span = h.Memory.Span(buf, len);
        fixed (byte* p = span)
        {
            var filled = 0;
            // Large requests can return short (or EINTR) when a signal arrives; continue where it stopped.
            while (filled < span.Length)
            {
                var n = Libc.Getrandom(p + filled, (nuint)(span.Length - filled), 0);
                if (n < 0)
                {
                    var errno = Libc.Errno;
                    if (errno == LinuxErrno.EINTR)
                    {
                        continue;
                    }
                    return ErrnoMapping.FromLinux(errno);
                }
                filled += (int)n;
            }
        }
        return Errno.Success;
    }
}
