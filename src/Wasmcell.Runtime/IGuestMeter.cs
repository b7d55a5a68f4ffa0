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
    /// On the guest's thread, inside a memory.grow (or an instantiation) the container's memory limit refused, when
    /// the engine budgets memory (<see cref="WasmEngine.BudgetsMemory"/>). The guest sees the grow fail; this is how
    /// anyone else learns of it. Must not block long or throw.
    /// </summary>
    void OnMemoryRefused(GuestMemory.MemoryRefusal refusal);
}
