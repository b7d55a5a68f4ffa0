namespace Wasmcell.Runtime;

/// <summary>
/// What a shared cell needs to account for and limit a guest that has no cgroup of its own. A runner calls it on the
/// guest's own thread at each epoch tick while the guest's code runs (never while it waits in a host call); it may
/// hold the thread there to throttle the guest.
/// </summary>
public interface IGuestMeter
{
    void OnTick();

    /// <summary>
    /// The account the guest's linear memories are charged to when the engine budgets memory
    /// (<see cref="WasmEngine.BudgetsMemory"/>): it holds the container's memory limit, reports each refused grow,
    /// and knows the guest's memory exactly. Null: the runner makes one from the spec's limit.
    /// </summary>
    GuestMemory.MemoryBudget? Memory { get; }
}
