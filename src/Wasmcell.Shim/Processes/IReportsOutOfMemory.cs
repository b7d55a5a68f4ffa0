namespace Wasmcell.Shim.Processes;

/// <summary>
/// A task process that learns of its own out-of-memory events where no cgroup does: a shared cell's container, whose
/// memory limit is held inside the cell (its refused memory.grow).
/// </summary>
public interface IReportsOutOfMemory
{
    /// <summary>Calls <paramref name="onOom"/> (on any thread) for each OOM until the result is disposed.</summary>
    IDisposable WatchOom(Action onOom);
}
