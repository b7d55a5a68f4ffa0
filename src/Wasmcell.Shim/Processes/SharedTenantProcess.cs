using Wasmcell.Cell.Protocol;

namespace Wasmcell.Shim.Processes;

/// <summary>
/// A container in the daemon's <see cref="SharedCell"/>: its task's process is the shared cell (its pid), while
/// start, signals, exit and delete are the container's own, carried as commands on the cell's channel.
/// </summary>
public sealed class SharedTenantProcess : ITaskProcess
{
    private readonly SharedCell _cell;
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<ExitStatus> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _started;

    internal SharedTenantProcess(SharedCell cell, string id)
    {
        _cell = cell;
        Id = id;
    }

    public string Id { get; }

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

    internal void OnReady(string report) => _ready.TrySetResult(report);

    internal void OnError(string message) => _ready.TrySetException(new CellCreateException(message));

    internal void OnExit(uint code)
    {
        _cell.Forget(Id);
        _exited.TrySetResult(new ExitStatus(code, DateTimeOffset.UtcNow));
    }

    internal void OnCellDied(int pid)
    {
        _ready.TrySetException(new CellCreateException($"the shared cell {pid} died while loading the container"));
        _exited.TrySetResult(new ExitStatus(SharedCell.DiedExitCode, DateTimeOffset.UtcNow));
    }
}
