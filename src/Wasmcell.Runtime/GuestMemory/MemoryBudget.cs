namespace Wasmcell.Runtime.GuestMemory;

/// <summary>
/// One guest's memory account, for engines whose linear memories come from <see cref="BudgetedMemoryCreator"/>: every
/// memory made while the budget is current on the thread (the guest's) is charged to it for its whole life, so it
/// knows the guest's linear memory exactly (what a shared cell's Stats report), and a grow that would take the
/// total past the limit fails (memory.grow returns -1, the guest sees allocation fail) and is reported.
/// </summary>
public sealed class MemoryBudget(long limitBytes, Action<MemoryRefusal>? onRefused = null)
{
    [ThreadStatic]
    private static MemoryBudget? t_current;

    private long _usedBytes, _peakBytes;

    /// <summary>The limit; <see cref="long.MaxValue"/> for an account with none.</summary>
    public long LimitBytes { get; } = limitBytes;

    /// <summary>The guest's linear memories now, in bytes.</summary>
    public long UsedBytes => Interlocked.Read(ref _usedBytes);

    /// <summary>The most <see cref="UsedBytes"/> has been.</summary>
    public long PeakBytes => Interlocked.Read(ref _peakBytes);

    /// <summary>The budget memories made on this thread now take; none means unlimited and unaccounted.</summary>
    internal static MemoryBudget? Current => t_current;

    /// <summary>Makes this the budget of memories created on the calling thread until the scope is disposed.</summary>
    public Scope Enter()
    {
        var previous = t_current;
        t_current = this;
        return new Scope(previous);
    }

    /// <summary>Charges a memory's growth by <paramref name="bytes"/>; false (and reported) when it would pass the limit.</summary>
    public bool TryCharge(long bytes)
    {
        while (true)
        {
            var used = Interlocked.Read(ref _usedBytes);
            if (bytes > LimitBytes - used)
            {
                Report(new MemoryRefusal(used, used + bytes, LimitBytes));
                return false;
            }
            if (Interlocked.CompareExchange(ref _usedBytes, used + bytes, used) == used)
            {
                var peak = Interlocked.Read(ref _peakBytes);
                while (used + bytes > peak && Interlocked.CompareExchange(ref _peakBytes, used + bytes, peak) != peak)
                {
                    peak = Interlocked.Read(ref _peakBytes);
                }
                return true;
            }
        }
    }

    /// <summary>A memory of this budget is freed.</summary>
    public void Release(long bytes) => Interlocked.Add(ref _usedBytes, -bytes);

    // Called on the guest's thread, inside its memory.grow: must not throw.
    private void Report(MemoryRefusal refusal)
    {
        try
        {
            onRefused?.Invoke(refusal);
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

/// <summary>A memory.grow (or a memory's creation) a <see cref="MemoryBudget"/> refused: the guest's total before and asked for.</summary>
public readonly record struct MemoryRefusal(long CurrentBytes, long RequestedBytes, long LimitBytes);
