using System.Collections.Concurrent;
using Wasmcell.Cell.Protocol;

namespace Wasmcell.Shim.Processes;

/// <summary>
/// A container in the daemon's <see cref="SharedCell"/>: its task's process is the shared cell (its pid), while
/// start, signals, exit and delete are the container's own, carried as commands on the cell's channel.
/// </summary>
public sealed class SharedTenantProcess : ITaskProcess, IReportsOutOfMemory
{
    private readonly SharedCell _cell;
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<ExitStatus> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Stats callers waiting for the cell's USAGE; the cell answers one container's STATS in order.
    private readonly ConcurrentQueue<TaskCompletionSource<TenantUsage?>> _usageWaiters = new();
    private volatile TenantUsage? _finalUsage;
    private volatile Action? _onOutOfMemory;
    private int _started;

    internal SharedTenantProcess(SharedCell cell, string id, ulong pidsLimit)
    {
        _cell = cell;
        Id = id;
        PidsLimit = pidsLimit;
    }

    public string Id { get; }

    /// <summary>The spec's pids limit, for Stats (0: none). A guest is one thread and cannot make more (no wasi-threads).</summary>
    public ulong PidsLimit { get; }

    public int Pid => _cell.Pid;

    public Task<ExitStatus> Exited => _exited.Task;

    /// <summary>The cell's READY report for this container (load time, cache hit or miss).</summary>
    public string ReadyReport => _ready.Task.IsCompletedSuccessfully ? _ready.Task.Result : "";

    internal Task Ready => _ready.Task;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("container already started");
        }
        _cell.TrySend(SharedCellMessage.Start, Id);
        return Task.CompletedTask;
    }

    public bool Signal(int signal, bool all) =>
        !Exited.IsCompleted && _cell.TrySend(SharedCellMessage.Kill, Id, SharedCellMessage.Number(signal));

    public IReadOnlyList<int> Pids() => Exited.IsCompleted ? [] : [Pid];

    /// <summary>The container's usage as its shared cell measures it; after its exit, the usage it exited with.</summary>
    public async Task<TenantUsage> UsageAsync(TimeSpan timeout)
    {
        if (!Exited.IsCompleted)
        {
            var waiter = new TaskCompletionSource<TenantUsage?>(TaskCreationOptions.RunContinuationsAsynchronously);
            _usageWaiters.Enqueue(waiter);
            if (_cell.TrySend(SharedCellMessage.Stats, Id) && await waiter.Task.WaitAsync(timeout).ConfigureAwait(false) is { } usage)
            {
                return usage;
            }
        }
        return _finalUsage ?? TenantUsage.None;
    }

    public async Task<bool> CleanupAsync()
    {
        if (!Exited.IsCompleted && Volatile.Read(ref _started) == 0)
        {
            _cell.TrySend(SharedCellMessage.Drop, Id);
        }
        try
        {
            await Exited.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _cell.Forget(Id);
            return false;
        }
        _cell.Forget(Id);
        return true;
    }

    /// <summary>Calls <paramref name="onOom"/> each time the cell reports that the container's memory limit refused its guest memory.</summary>
    public IDisposable WatchOom(Action onOom)
    {
        _onOutOfMemory = onOom;
        return new Unwatch(this);
    }

    internal void OnOutOfMemory() => _onOutOfMemory?.Invoke();

    internal void OnReady(string report) => _ready.TrySetResult(report);

    internal void OnError(string message) => _ready.TrySetException(new CellCreateException(message));

    internal void OnUsage(TenantUsage? usage)
    {
        if (_usageWaiters.TryDequeue(out var waiter))
        {
            waiter.TrySetResult(usage);
        }
    }

    internal void OnExit(uint code, TenantUsage? usage)
    {
        _finalUsage = usage;
        _cell.Forget(Id);
        _exited.TrySetResult(new ExitStatus(code, DateTimeOffset.UtcNow));
        ReleaseUsageWaiters();
    }

    internal void OnCellDied(int pid)
    {
        _ready.TrySetException(new CellCreateException($"the shared cell {pid} died while loading the container"));
        _exited.TrySetResult(new ExitStatus(SharedCell.DiedExitCode, DateTimeOffset.UtcNow));
        ReleaseUsageWaiters();
    }

    private sealed class Unwatch(SharedTenantProcess process) : IDisposable
    {
        public void Dispose() => process._onOutOfMemory = null;
    }

    private void ReleaseUsageWaiters()
    {
        while (_usageWaiters.TryDequeue(out var waiter))
        {
            waiter.TrySetResult(null);
        }
    }
}
