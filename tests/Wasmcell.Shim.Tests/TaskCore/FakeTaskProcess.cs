using Wasmcell.Shim.Processes;

namespace Wasmcell.Shim.Tests.TaskCore;

/// <summary>
/// An <see cref="ITaskProcess"/> with no process behind it: the test decides when it exits and how long its
/// start takes, and sees every signal sent to it. A signal ends it (128 + signal), as SIGKILL would.
/// </summary>
internal sealed class FakeTaskProcess : ITaskProcess
{
    private readonly TaskCompletionSource<ExitStatus> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<int> _signals = [];

    public int Pid { get; init; } = 4242;

    public Task<ExitStatus> Exited => _exited.Task;

    /// <summary>Runs as the start; completes at once unless a test replaces it.</summary>
    public Func<CancellationToken, Task> OnStart { get; set; } = _ => Task.CompletedTask;

    /// <summary>Thrown by <see cref="Signal"/> when set (a kill that fails for a reason of its own).</summary>
    public Exception? SignalFailure { get; set; }

    public int StartCalls { get; private set; }

    public IReadOnlyList<int> Signals
    {
        get
        {
            lock (_signals)
            {
                return [.. _signals];
            }
        }
    }

    public void Exit(uint code) => _exited.TrySetResult(new ExitStatus(code, DateTimeOffset.UtcNow));

    public Task StartAsync(CancellationToken cancellationToken)
    {
        StartCalls++;
        return OnStart(cancellationToken);
    }

    public bool Signal(int signal, bool all)
    {
        lock (_signals)
        {
            _signals.Add(signal);
        }
        if (SignalFailure is { } failure)
        {
            throw failure;
        }
        if (_exited.Task.IsCompleted)
        {
            return false;
        }
        Exit(128u + (uint)signal);
        return true;
    }

    public IReadOnlyList<int> Pids() => [Pid];

    public Task<bool> CleanupAsync() => Task.FromResult(true);
}
