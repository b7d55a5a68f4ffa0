using Wasmcell.Wasi.Sys;

namespace Wasmcell.Emscripten;

/// <summary>
/// The container's stdio as it was when the guest started. nginx opens "/dev/stdout" and "/dev/stderr" by path
/// (then dup2s one over fd 2), so those names must reach the container's streams even after the guest moved or
/// closed its fds 0-2. Each open gets its own dup: closing one never closes another.
/// </summary>
internal sealed class StdioOriginals : IDisposable
{
    private readonly int[] _fds = [-1, -1, -1];

    public StdioOriginals(FdTable fds)
    {
        for (var i = 0; i < 3; i++)
        {
            if (fds.TryGet(i, out var entry))
            {
                _fds[i] = Libc.Fcntl(entry.HostFd, Libc.F_DUPFD_CLOEXEC, 0);
            }
        }
    }

    /// <summary>0, 1 or 2 for "/dev/stdin", "/dev/stdout", "/dev/stderr" (also "/dev/fd/N"); -1 otherwise.</summary>
    public static int Which(ReadOnlySpan<byte> path) =>
        path.SequenceEqual("/dev/stdin"u8) || path.SequenceEqual("/dev/fd/0"u8) ? 0
        : path.SequenceEqual("/dev/stdout"u8) || path.SequenceEqual("/dev/fd/1"u8) ? 1
        : path.SequenceEqual("/dev/stderr"u8) || path.SequenceEqual("/dev/fd/2"u8) ? 2
        : -1;

    /// <summary>A new host fd for stream `which`, or -1 with errno set.</summary>
    public int Dup(int which) => _fds[which] < 0 ? -1 : Libc.Fcntl(_fds[which], Libc.F_DUPFD_CLOEXEC, 0);

    public void Dispose()
    {
        for (var i = 0; i < 3; i++)
        {
            if (_fds[i] >= 0)
            {
                Libc.Close(_fds[i]);
                _fds[i] = -1;
            }
        }
    }
}
