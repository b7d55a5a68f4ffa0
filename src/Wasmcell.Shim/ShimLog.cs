using System.Text;
using Wasmcell.Linux;

namespace Wasmcell.Shim;

/// <summary>
/// The daemon's log: logrus text lines into the bundle's `log` FIFO, which containerd copies into its
/// own log. Non-blocking: while containerd is down nobody drains the FIFO, and a full pipe drops lines.
/// </summary>
public sealed class ShimLog
{
    private readonly int _fd;
    private readonly bool _debug;
    private readonly object _gate = new();

    public ShimLog(string path, bool debug)
    {
        _fd = Libc.Open(path, Libc.O_WRONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
        _debug = debug;
    }

    public static ShimLog None { get; } = new("/dev/null", false);

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
        if (_fd < 0)
        {
            return;
        }
        var line = $"time=\"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffffffZ}\" level={level} msg=\"{Escape(message)}\" runtime=io.containerd.wasm.v1 pid={Environment.ProcessId}\n";
        var bytes = Encoding.UTF8.GetBytes(line);
        lock (_gate)
        {
            unsafe
            {
                fixed (byte* p = bytes)
                {
                    Libc.Write(_fd, p, bytes.Length);
                }
            }
        }
    }

    private static string Escape(string s) => s.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
}
