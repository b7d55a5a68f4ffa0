using Wasmcell.Linux;

namespace Wasmcell.Cgroups;

/// <summary>
/// v2 OOM watch: polls the oom_kill counter of memory.events and reports each increase. Polling (rather
/// than inotify on memory.events) keeps one code path that works the same on cgroupfs and on a plain-file
/// fake tree; an OOM event a fraction of a second late is harmless for TaskOOM.
/// </summary>
public sealed class OomWatcherV2 : IDisposable
{
    private readonly ManualResetEventSlim _stop = new();
    private readonly string _eventsPath;
    private readonly Action _onOom;
    private readonly TimeSpan _interval;
    private ulong _seen;

    private OomWatcherV2(string eventsPath, Action onOom, TimeSpan interval, ulong seen)
    {
        _eventsPath = eventsPath;
        _onOom = onOom;
        _interval = interval;
        _seen = seen;
    }

    public static OomWatcherV2 Start(string dir, Action onOom, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(onOom);
        var eventsPath = Path.Combine(dir, "memory.events");
        if (!File.Exists(eventsPath))
        {
            throw new CgroupException("watch", eventsPath, Errno.ENOENT);
        }

        var watcher = new OomWatcherV2(eventsPath, onOom, interval, OomKills(eventsPath) ?? 0);
        // The baseline is read now, so no OOM is missed before the first poll.
        DedicatedThread.StartSoon(watcher.Loop, "cgroup-oom-v2");
        return watcher;
    }

    internal static ulong? OomKills(string eventsPath)
    {
        var events = CgroupFile.TryReadKeyed(eventsPath);
        return events.TryGetValue("oom_kill", out var v) ? v : null;
    }

    private void Loop()
    {
        while (!_stop.Wait(_interval))
        {
            var kills = OomKills(_eventsPath);
            if (kills is null && !File.Exists(_eventsPath))
            {
                return; // the cgroup is gone
            }

            if (kills is not { } k || k <= _seen)
            {
                continue;
            }

            _seen = k;
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

    public void Dispose() => _stop.Set();
}
