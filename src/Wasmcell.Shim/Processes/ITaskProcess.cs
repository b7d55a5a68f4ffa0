namespace Wasmcell.Shim.Processes;

/// <summary>
/// The process behind a task: created held (pid known, nothing of the workload run yet), then started.
/// Implemented by a Wasm cell and by a runc container.
/// </summary>
public interface ITaskProcess
{
    int Pid { get; }

    /// <summary>
    /// Completes when the workload has exited: the process was reaped, or (a cell) its guest finished and the
    /// container's stdio was released, while the process may still be tearing down.
    /// </summary>
    Task<ExitStatus> Exited { get; }

    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Delivers a signal; false if the process is already gone.</summary>
    bool Signal(int signal, bool all);

    IReadOnlyList<int> Pids();

    /// <summary>
    /// Waits until the process is reaped and removes what it left behind (runc state); idempotent. False if
    /// something may remain.
    /// </summary>
    Task<bool> CleanupAsync();
}
