namespace Wasmcell.Runtime;

/// <summary>
/// What a shared cell needs to account for and limit a guest that has no cgroup of its own. A runner calls it on the
/// guest's own thread at each epoch tick while the guest's code runs (never while it waits in a host call); it may
/// hold the thread there to throttle the guest.
/// </summary>
public interface IGuestMeter
{
    /// <param name="linearMemoryBytes">The size of the guest's exported memory now; 0 before it is instantiated.</param>
    void OnTick(long linearMemoryBytes);

    /// <summary>On the guest's thread as it is about to wait in a host call (it goes idle; never held here).</summary>
    void OnBlocking(long linearMemoryBytes);

    /// <summary>
    /// The account the guest's linear memories are charged to when the engine budgets memory
    /// (<see cref="WasmEngine.BudgetsMemory"/>): it holds the container's memory limit, reports each refused grow,
    /// and knows the guest's memory exactly. Null: the runner makes one from the spec's limit.
    /// </summary>
    GuestMemory.MemoryBudget? Memory { get; }
}
