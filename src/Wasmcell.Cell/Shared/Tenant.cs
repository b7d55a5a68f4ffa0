using System.Diagnostics;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Wasmcell.Cell.Protocol;
using Wasmcell.Linux;
using Wasmcell.Oci.RuntimeSpec;
using Wasmcell.Runtime;

namespace Wasmcell.Cell.Shared;

/// <summary>
/// One container in the shared cell: its module, its store's spec (preopens from the fds the daemon opened, stdio on
/// its own FIFOs), and the guest thread that runs it after START. Its exit code follows independent mode: the guest's,
/// 134 for a trap, 128 + signal when it was killed.
/// </summary>
internal sealed class Tenant : IDisposable
{
    // Wasmtime's own wasm stack limit (512 KiB) plus host frames, with room to spare; only touched pages cost memory.
    private const int GuestStackBytes = 4 << 20;

    // Signals whose default action is to ignore them: runc's process would carry on.
    private static readonly HashSet<int> Ignored = [0, Signals.SIGCHLD, Signals.SIGCONT, Signals.SIGURG, Signals.SIGWINCH];

    private readonly Lock _lock = new();
    private readonly Wasmtime.Module _module;
    private readonly CellSpec _spec;
    private readonly List<SafeFileHandle> _held;
    private readonly CellRunner _runner;
    private readonly TenantMeter _meter;
    private readonly SharedCellTicker _ticker;
    private readonly Action<Tenant, int> _onExit;
    private readonly Action<Tenant> _onOutOfMemory;
    private long _lastOutOfMemoryReport = long.MinValue;
    private State _state;
    private int? _killedBy;

    private Tenant(string id, Wasmtime.Module module, CellSpec spec, List<SafeFileHandle> held, TenantMeter meter, WasmEngine engine,
        SharedCellTicker ticker, Action<Tenant, int> onExit, Action<Tenant> onOutOfMemory, string readyReport)
    {
        _ticker = ticker;
        Id = id;
        _module = module;
        _spec = spec;
        _held = held;
        _meter = meter;
        _runner = new CellRunner(engine, meter);
        _onExit = onExit;
        _onOutOfMemory = onOutOfMemory;
        _meter.MemoryRefused = OnMemoryRefused;
        ReadyReport = readyReport;
    }

    private enum State
    {
        Created,
        Running,
        Done,
    }

    public string Id { get; }

    /// <summary>What READY says: the load time and the cache outcome, in the words of a cell's "OK" line (CellStatus).</summary>
    public string ReadyReport { get; }

    /// <summary>What Stats reports for this container (its guest thread's CPU, its linear memory, its throttling).</summary>
    public TenantUsage Usage => _meter.Usage();

    /// <summary>Loads the container the daemon described; the handles are the ADD's fds, owned from here on.</summary>
    public static Tenant Load(WasmEngine engine, SharedCellTicker ticker, string id, string entry, string? function, IReadOnlyList<SharedCellMessage.Bind> binds,
        int listeners, List<SafeFileHandle> handles, Action<Tenant, int> onExit, Action<Tenant> onOutOfMemory)
    {
        var clock = Stopwatch.StartNew();
        var held = new List<SafeFileHandle>();
        Wasmtime.Module? module = null;
        try
        {
            var launch = new CellLaunch("", FdPath(handles[SharedCellMessage.RootfsIndex]), id, entry, function);
            var oci = SpecLoader.Load(FdPath(handles[SharedCellMessage.ConfigIndex]));
            using var rootfs = ContainerRootfs.Open(launch.Rootfs);
            // A cache of its own: its hit or miss is this container's to report.
            var cache = CellMain.OpenCache();
            module = CellMain.LoadModule(engine, launch, rootfs, cache);
            var opened = binds.Select((b, i) => new CellSpecBuilder.OpenedBind(handles[SharedCellMessage.FirstBindIndex + i], b.Destination, b.ReadOnly)).ToList();
            // The daemon made them in the container's network namespace; this process has none to make them in. Held
            // (closed) with the container's other fds when it ends, so its ports are free again; the guest gets dups.
            var listening = handles.Skip(SharedCellMessage.FirstBindIndex + binds.Count).Take(listeners).ToList();
            held.AddRange(listening);
            var sockets = listening.Select(h => new System.Net.Sockets.Socket(new System.Net.Sockets.SafeSocketHandle(h.DangerousGetHandle(), ownsHandle: false))).ToList();
            var spec = CellSpecBuilder.Build(oci, launch, rootfs, opened, held, sockets) with
            {
                Stdin = handles[SharedCellMessage.StdinIndex],
                Stdout = handles[SharedCellMessage.StdoutIndex],
                Stderr = handles[SharedCellMessage.StderrIndex],
                // The socket policy may allow a pod's container sockets; the shared cell has no network (its seccomp
                // refuses socket(2)), so the guest is told no the same way an independent cell without sockets is.
                AllowSocketExtension = false,
            };
            // No cgroup bounds host memory here: a table element is one pointer.
            spec = spec with { TableElementsLimit = spec.MemoryLimitBytes is long limit ? (uint)Math.Min(uint.MaxValue, limit / IntPtr.Size) : null };
            held.AddRange(handles.Take(SharedCellMessage.RootfsIndex));
            handles[SharedCellMessage.RootfsIndex].Dispose();
            handles[SharedCellMessage.ConfigIndex].Dispose();
            var report = FormattableString.Invariant($" ready in {clock.Elapsed.TotalMilliseconds:0.0} ms (shared cell)")
                + (cache?.Misses > 0 ? CellStatus.CacheMiss : cache?.LastHitKey is { } key ? CellStatus.CacheHit + key : "");
            return new Tenant(id, module, spec, held, TenantMeter.For(oci, spec.MemoryLimitBytes), engine, ticker, onExit, onOutOfMemory, report);
        }
        catch
        {
            module?.Dispose();
            foreach (var handle in held)
            {
                handle.Dispose();
            }
            throw;
        }
    }

    public void Start()
    {
        lock (_lock)
        {
            if (_state != State.Created)
            {
                return;
            }
            _state = State.Running;
        }
        new Thread(Run, GuestStackBytes) { IsBackground = true, Name = "guest" }.Start();
    }

    /// <summary>A terminating signal stops the guest (at its next epoch check or blocking host call) and decides its code.</summary>
    public void Kill(int signal)
    {
        if (Ignored.Contains(signal))
        {
            return;
        }
        lock (_lock)
        {
            switch (_state)
            {
                case State.Running:
                    _killedBy ??= signal;
                    _runner.Stop();
                    _meter.Release();
                    return;
                case State.Done:
                    return;
            }
            _state = State.Done;
        }
        Finish(128 + signal);
    }

    /// <summary>Delete of a container that was never started.</summary>
    public void Drop()
    {
        lock (_lock)
        {
            if (_state != State.Created)
            {
                return;
            }
            _state = State.Done;
        }
        Finish(0);
    }

    private void Run()
    {
        _meter.OnGuestStart();
        _ticker.GuestStarted();
        CellOutcome outcome;
        try
        {
            outcome = _runner.Run(_module, _spec);
        }
        finally
        {
            _ticker.GuestEnded();
            _meter.OnGuestEnd();
        }
        if (outcome.TrapMessage is { } message)
        {
            WriteStderr($"{_spec.ModulePath}: {message}\n");
        }
        int code;
        lock (_lock)
        {
            _state = State.Done;
            code = _killedBy is int signal ? 128 + signal : outcome.ExitCode;
        }
        Finish(code);
    }

    /// <summary>Releases the container's FIFOs (its readers see EOF), then reports the exit.</summary>
    private void Finish(int code)
    {
        Dispose();
        _onExit(this, code);
    }

    public void Dispose()
    {
        _module.Dispose();
        foreach (var handle in _held)
        {
            handle.Dispose();
        }
    }

    /// <summary>
    /// The guest's memory.grow failed at the container's limit: what a cgroup's OOM is to an independent cell, told to
    /// the daemon (TaskOOM) and on the container's stderr, at most once a second (a guest may retry in a loop).
    /// </summary>
    private void OnMemoryRefused(Runtime.GuestMemory.MemoryRefusal refusal)
    {
        // Only the guest's thread comes here.
        var now = Environment.TickCount64;
        if (_lastOutOfMemoryReport != long.MinValue && now - _lastOutOfMemoryReport < 1000)
        {
            return;
        }
        _lastOutOfMemoryReport = now;
        WriteStderr(FormattableString.Invariant(
            $"wasmcell: out of memory: a memory.grow from {refusal.CurrentBytes} to {refusal.RequestedBytes} bytes was refused; the container's memory limit is {refusal.LimitBytes} bytes\n"));
        _onOutOfMemory(this);
    }

    private void WriteStderr(string text)
    {
        try
        {
            Libc.WriteAll((int)_spec.Stderr!.DangerousGetHandle(), Encoding.UTF8.GetBytes(text));
        }
        catch (IOException)
        {
        }
    }

    private static string FdPath(SafeFileHandle handle) => $"/proc/self/fd/{handle.DangerousGetHandle()}";
}
