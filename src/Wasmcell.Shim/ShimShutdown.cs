using Wasmcell.Shim.Containers;

namespace Wasmcell.Shim;

/// <summary>
/// The daemon's last step at SIGTERM: tasks still present die with the shim rather than linger unmanaged,
/// and the events already queued (exits among them) still reach containerd.
/// </summary>
public static class ShimShutdown
{
    /// <summary>
    /// SIGKILLs every task that has not exited, one failure not sparing the rest (a task that exited but
    /// was not deleted is skipped), then flushes the events whatever happened.
    /// </summary>
    public static async Task KillTasksAndFlushAsync(IEnumerable<Container> containers, Func<Task> flushEvents, ShimLog log)
    {
        try
        {
            foreach (var c in containers)
            {
                if (c.Snapshot().State is TaskState.Stopped or TaskState.Deleted)
                {
                    continue;
                }
                try
                {
                    c.Kill(9, all: true);
                }
                catch (TaskException)
                {
                    // It exited after the look above: nothing left to kill.
                }
                catch (Exception e)
                {
                    log.Warn($"shutdown: killing {c.Id} failed: {e.Message}");
                }
            }
        }
        finally
        {
            await flushEvents().ConfigureAwait(false);
        }
    }
}
