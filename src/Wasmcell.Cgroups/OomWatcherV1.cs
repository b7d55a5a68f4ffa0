using System.Globalization;
using Wasmcell.Linux;

namespace Wasmcell.Cgroups;

/// <summary>
/// v1 OOM notification: an eventfd registered with "&lt;eventfd&gt; &lt;fd of memory.oom_control&gt;" in
/// cgroup.event_control. The kernel bumps the eventfd on every OOM in the cgroup, and once more when the
/// cgroup is removed, which is how the watch thread learns to stop.
/// </summary>
public sealed class OomWatcherV1 : IDisposable
{
    private readonly object _lock = new();
    private readonly SafeFdHandle _eventFd;
    private readonly SafeFdHandle _controlFd;
    private readonly string _controlPath;
    private readonly Action _onOom;
    private bool _disposed;
    private bool _closed;
    private volatile bool _fired;

    private OomWatcherV1(SafeFdHandle eventFd, SafeFdHandle controlFd, string controlPath, Action onOom)
    {
        _eventFd = eventFd;
        _controlFd = controlFd;
        _controlPath = controlPath;
        _onOom = onOom;
    }

    /// <summary>An OOM notification arrived (for kernels without the oom_kill counter).</summary>
    public bool Fired => _fired;

    public static OomWatcherV1 Start(string memoryDir, Action onOom)
    {
        ArgumentNullException.ThrowIfNull(onOom);
        var controlPath = Path.Combine(memoryDir, "memory.oom_control");
        var eventFd = new SafeFdHandle(Libc.EventFd(0, Libc.EFD_CLOEXEC));
        if (eventFd.IsInvalid)
        {
            throw new CgroupException("eventfd for", controlPath, Libc.Errno);
        }

        var errno = Libc.TryOpen(controlPath, Libc.O_RDONLY, out var controlFd);
        if (errno != Errno.None)
        {
            eventFd.Dispose();
            throw new CgroupException("open", controlPath, errno);
        }
        var registration = string.Create(CultureInfo.InvariantCulture, $"{eventFd.Fd} {controlFd.Fd}");
        errno = CgroupFile.TryWrite(Path.Combine(memoryDir, "cgroup.event_control"), registration);
        if (errno != Errno.None)
        {
            eventFd.Dispose();
            controlFd.Dispose();
            throw new CgroupException("register OOM eventfd in", Path.Combine(memoryDir, "cgroup.event_control"), errno);
        }
        var watcher = new OomWatcherV1(eventFd, controlFd, controlPath, onOom);
        // Registered now, so no OOM is missed: the eventfd counts until the thread reads it.
        DedicatedThread.StartSoon(watcher.Loop, "cgroup-oom-v1");
        return watcher;
    }

    private void Loop()
    {
        Span<byte> counter = stackalloc byte[8];
        try
        {
            while (true)
            {
                if (Libc.TryRead(_eventFd.Fd, counter, out _) != 8)
                {
                    return;
                }

                lock (_lock)
                {
                    if (_disposed)
                    {
                        return;
                    }
                }
                // The last notification of a removed cgroup is not an OOM.
                if (!File.Exists(_controlPath))
                {
                    return;
                }

                _fired = true;
                try
                {
                    _onOom();
                }
                catch (Exception)
                {
                    // The callback owns its failures; an exception here would take the whole shim down.
                }
            }
        }
        finally
        {
            lock (_lock)
            {
                _closed = true;
                _eventFd.Dispose();
                _controlFd.Dispose();
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            // Wake the blocked read; the thread sees _disposed and closes the fds itself (no fd reuse race).
            if (!_closed)
            {
                Libc.WriteOnce(_eventFd.Fd, BitConverter.GetBytes(1UL));
            }
        }
    }
}
