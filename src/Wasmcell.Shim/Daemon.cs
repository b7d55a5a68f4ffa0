using System.Net.Sockets;
using System.Runtime.InteropServices;
using Wasmcell.Linux;
using Wasmcell.Shim.Events;
using Wasmcell.Shim.Processes;
using Wasmcell.Ttrpc;

namespace Wasmcell.Shim;

/// <summary>
/// The long-running shim (SPEC §2.5, "Daemon startup"): child subreaper, ttrpc server on the socket that
/// `start` handed over as fd 3, events to containerd, exit after Shutdown with no tasks left or SIGTERM.
/// It does not exit when containerd's connection drops: containerd reconnects after a restart.
/// </summary>
public static class Daemon
{
    private const int ListenerFd = 3;

    /// <summary>Seconds a shared daemon stays after its last container (see <see cref="SharedLinger"/>).</summary>
    public const string LingerEnv = "WASMCELL_SHARED_LINGER";

    public static int Run(ShimFlags flags)
    {
        Libc.Prctl(Libc.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        var log = new ShimLog(Directory.GetCurrentDirectory(), flags.Debug);
        var socketPath = ShimSocket.PathOf(flags.Socket);
        var ttrpcAddress = Environment.GetEnvironmentVariable("TTRPC_ADDRESS") ?? flags.Address + ".ttrpc";
        _ = ChildReaper.Instance;

        using var stop = new CancellationTokenSource();
        using var listener = new Socket(new SafeSocketHandle(ListenerFd, ownsHandle: true));
        var listening = 1;
        // Once: the path first, so a `start` from then on finds nothing here (not a socket to reuse, nor a
        // stale one it would remove after we are gone) and starts a daemon of its own on the same path.
        void StopListening()
        {
            if (Interlocked.Exchange(ref listening, 0) == 0)
            {
                return;
            }
            try
            {
                File.Delete(socketPath);
            }
            catch (IOException)
            {
            }
            listener.Dispose();
        }

        var events = new EventPublisher(ttrpcAddress, flags.Namespace, log);
        var linger = flags.Shared ? SharedLinger(log) : TimeSpan.Zero;
        TaskService? service = null;
        using var idle = new Timer(_ =>
        {
            // Still nothing to serve after the linger: leave, refusing any Create (or launcher's Expect) from now on.
            if (service!.TryRetire())
            {
                log.Info($"idle for {linger.TotalSeconds:0} s; exiting");
                StopListening();
                stop.Cancel();
            }
        });
        service = new TaskService(events, log, flags.Namespace, onEmptyShutdown: call =>
        {
            if (linger > TimeSpan.Zero)
            {
                // A shared daemon stays warm (its shared cell loaded) for the next container of its group.
                idle.Change(linger, Timeout.InfiniteTimeSpan);
                return;
            }
            // The group is done, unless a launcher has just promised containerd this daemon for a new container:
            // then that container keeps it, and its own Shutdown comes back here.
            if (!service!.TryRetire())
            {
                return;
            }
            // `ctr run --rm` of the same id right after must get a new daemon, not this one on its way out. Reply to
            // Shutdown on the open connection, then exit at once: containerd does not wait for us, and a pod's removal
            // is not over for its operator while we are still around.
            StopListening();
            if (call is null)
            {
                stop.Cancel();
            }
            else
            {
                call.OnResponseSent(stop.Cancel);
            }
        }, flags.Shared ? IsolationMode.Shared : IsolationMode.Independent);
        var server = new TtrpcServer(log.Warn);
        service.Register(server);

        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
        {
            ctx.Cancel = true;
            stop.Cancel();
        });
        log.Info($"serving {flags.Socket} for namespace {flags.Namespace} (first task {flags.Id}){(flags.Shared ? ", Wasm containers in a shared cell" : "")}");
        try
        {
            // Returns at SIGTERM, or when Shutdown closed the listener; connections are served until stop.
            server.ServeAsync(listener, stop.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
        }
        stop.Token.WaitHandle.WaitOne();
        StopListening();
        server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        ShimShutdown.KillTasksAndFlushAsync(service.Containers, () => events.FlushAsync(TimeSpan.FromSeconds(5)), log)
            .GetAwaiter().GetResult();
        // Compiles it started are its children: done, or killed, before it goes.
        Processes.CachePrecompiler.WaitAsync(TimeSpan.FromSeconds(20)).GetAwaiter().GetResult();
        log.Info("shim exiting");
        return 0;
    }

    /// <summary>
    /// How long a shared daemon waits, once its last container is gone, for the next one before it exits:
    /// WASMCELL_SHARED_LINGER seconds in containerd's environment, 0 (exit at once, as a runc shim does) by default.
    /// </summary>
    private static TimeSpan SharedLinger(ShimLog log)
    {
        var text = Environment.GetEnvironmentVariable(LingerEnv);
        if (string.IsNullOrEmpty(text))
        {
            return TimeSpan.Zero;
        }
        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds <= 86400)
        {
            return TimeSpan.FromSeconds(seconds);
        }
        log.Warn($"{LingerEnv}={text} is not a number of seconds (0-86400); not lingering");
        return TimeSpan.Zero;
    }
}
