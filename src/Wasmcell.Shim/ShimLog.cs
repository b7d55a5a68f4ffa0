using System.Text;
using Wasmcell.Linux;

namespace Wasmcell.Shim;

/// <summary>
/// The daemon's log: logrus text lines into a bundle's `log` FIFO, which containerd copies into its own log
/// while that container's shim connection lives. A daemon serving several containers (a pod's group, a shared
/// cell) holds the FIFO of each one it serves and writes to the newest it can: the first container's FIFO
/// goes deaf when that container is deleted, and lines written there would be lost. Non-blocking: while
/// containerd is down nobody drains the FIFOs, and a full pipe drops lines.
/// </summary>
public sealed class ShimLog
{
    private const string FifoName = "log";
    private readonly bool _debug;
    private readonly object _gate = new();
    private readonly List<(string Bundle, int Fd)> _fifos = [];

    /// <param name="bundle">The bundle of the container whose `start` made this daemon.</param>
    public ShimLog(string? bundle, bool debug)
    {
        _debug = debug;
        Attach(bundle);
    }

    public static ShimLog None { get; } = new(null, false);

    /// <summary>Adds <paramref name="bundle"/>'s FIFO (containerd opened it before `start`); it is written first from now on.</summary>
    public void Attach(string? bundle)
    {
        if (bundle is null)
        {
            return;
        }
        lock (_gate)
        {
            if (_fifos.Exists(f => f.Bundle == bundle))
            {
                return;
            }
            var fd = Libc.Open(Path.Join(bundle, FifoName), Libc.O_WRONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
            if (fd >= 0)
            {
                _fifos.Insert(0, (bundle, fd));
            }
        }
    }

    /// <summary>Stops writing to <paramref name="bundle"/>'s FIFO: its container is deleted.</summary>
    public void Detach(string bundle)
    {
        lock (_gate)
        {
            var i = _fifos.FindIndex(f => f.Bundle == bundle);
            if (i >= 0)
            {
                Libc.CloseQuietly(_fifos[i].Fd);
                _fifos.RemoveAt(i);
            }
        }
    }

    public void Info(string message) => Write("info", message);

    public void Warn(string message) => Write("warning", message);

    public void Error(string message) => Write("error", message);

    public void Debug(string message)
    {
        if (_debug)
        {
            Write("debug", message);
        }
    }

    private void Write(string level, string message)
    {
        var line = $"time=\"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffffffZ}\" level={level} msg=\"{Escape(message)}\" runtime=io.containerd.wasm.v1 pid={Environment.ProcessId}\n";
        var bytes = Encoding.UTF8.GetBytes(line);
        lock (_gate)
        {
            foreach (var (_, fd) in _fifos)
            {
                // EPIPE: containerd no longer reads this one (its container's connection is gone), so try an older one.
                // EAGAIN: it reads, but the pipe is full; the line is dropped rather than block the daemon.
                if (Libc.WriteOnce(fd, bytes) is Errno.None or Errno.EAGAIN)
                {
                    return;
                }
            }
        }
    }

    private static string Escape(string s) => s.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
}
