namespace Wasmcell.Runtime.GuestMemory;

/// <summary>
/// The memory limit of the guest running on this thread, for engines whose linear memories come from
/// <see cref="BudgetedMemoryCreator"/>: each memory made while a budget is current takes it for its whole life, so
/// every memory.grow past the limit fails (memory.grow returns -1, the guest sees allocation fail) and is reported.
/// </summary>
public sealed class MemoryBudget(long limitBytes, Action<MemoryRefusal>? onRefused)
{
    [ThreadStatic]
    private static MemoryBudget? t_current;

    public long LimitBytes { get; } = limitBytes;

    /// <summary>The budget memories made on this thread now take; none means unlimited.</summary>
    internal static MemoryBudget? Current => t_current;

    /// <summary>Makes this the budget of memories created on the calling thread until the scope is disposed.</summary>
    public Scope Enter()
    {
        var previous = t_current;
        t_current = this;
        return new Scope(previous);
    }

    /// <summary>Called on the guest's thread, inside its memory.grow: must not throw.</summary>
    internal void Refused(long currentBytes, long requestedBytes)
    {
        try
        {
            onRefused?.Invoke(new MemoryRefusal(currentBytes, requestedBytes, LimitBytes));
        }
        catch (Exception)
        {
            // A report that failed must not turn a refused grow into a crash of the shared process.
        }
    }

    public readonly struct Scope(MemoryBudget? previous) : IDisposable
    {
        public void Dispose() => t_current = previous;
    }
}

/// <summary>A memory.grow (or a memory's creation) refused by a <see cref="MemoryBudget"/>.</summary>
public readonly record struct MemoryRefusal(long CurrentBytes, long RequestedBytes, long LimitBytes);
