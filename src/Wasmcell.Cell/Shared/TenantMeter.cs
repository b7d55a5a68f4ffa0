using System.Diagnostics;
using Wasmcell.Cell.Protocol;
using Wasmcell.Linux;
using Wasmcell.Oci.RuntimeSpec;
using Wasmcell.Runtime;
using Wasmcell.Runtime.GuestMemory;

namespace Wasmcell.Cell.Shared;

/// <summary>
/// A shared cell's stand-in for one container's cgroup: the CPU time of its guest thread (the kernel's thread clock,
/// exact), its linear memory (its <see cref="MemoryBudget"/>: exact, limited, each refusal reported), and its CPU
/// quota, enforced at epoch ticks by holding the guest thread until its period ends. Precision: a guest overruns its quota by at most one tick (SharedCellTicker) per
/// period, and a guest waiting in a host call uses no CPU, so it is never held.
/// </summary>
internal sealed class TenantMeter : IGuestMeter
{
    private readonly long _quotaNanoseconds, _periodNanoseconds;
    private readonly long _memoryLimitBytes;
    private readonly ManualResetEventSlim _released = new();
    private readonly Lock _lock = new();
    private int _tid;
    private long _cpuAtExit;
    private long _periodStart, _periodCpuStart;
    private long _periods, _throttledPeriods, _throttledNanoseconds;

    /// <param name="memoryLimitBytes">0: none.</param>
    public TenantMeter(long quotaNanoseconds, long periodNanoseconds, long memoryLimitBytes)
    {
        _quotaNanoseconds = quotaNanoseconds;
        _periodNanoseconds = periodNanoseconds;
        _memoryLimitBytes = memoryLimitBytes;
        Memory = new MemoryBudget(memoryLimitBytes > 0 ? memoryLimitBytes : long.MaxValue, r => MemoryRefused?.Invoke(r));
    }

    public MemoryBudget Memory { get; }

    /// <summary>The spec's CFS quota and period (microseconds, as the cpu controller takes them) and memory limit.</summary>
    public static TenantMeter For(Spec spec, long? memoryLimitBytes)
    {
        var cpu = spec.Linux?.Resources?.Cpu;
        var (quota, period) = cpu?.Quota is > 0 and long q ? (q * 1000, (long)(cpu.Period is > 0 and ulong p ? p : 100_000) * 1000) : (0L, 0L);
        return new TenantMeter(quota, period, memoryLimitBytes ?? 0);
    }

    public bool HasCpuQuota => _quotaNanoseconds > 0;

    /// <summary>On the guest thread, before it runs the guest.</summary>
    public void OnGuestStart()
    {
        lock (_lock)
        {
            _tid = Libc.Gettid();
        }
        StartPeriod(Now(), ThreadCpuClock.Nanoseconds(_tid) ?? 0);
    }

    /// <summary>On the guest thread, after the guest is done: its tid may be reused once the thread ends.</summary>
    public void OnGuestEnd()
    {
        lock (_lock)
        {
            _cpuAtExit = ThreadCpuClock.Nanoseconds(_tid) ?? _cpuAtExit;
            _tid = 0;
        }
    }

    /// <summary>Lets a held guest go at once (it is being stopped).</summary>
    public void Release() => _released.Set();

    /// <summary>Told of each memory.grow the limit refused (on the guest's thread, inside the grow).</summary>
    public Action<MemoryRefusal>? MemoryRefused { get; set; }

    public void OnTick()
    {
        if (_quotaNanoseconds == 0)
        {
            return;
        }
        var now = Now();
        var cpu = ThreadCpuClock.Nanoseconds(_tid) ?? 0;
        if (now - _periodStart >= _periodNanoseconds)
        {
            StartPeriod(now, cpu);
            return;
        }
        if (cpu - _periodCpuStart < _quotaNanoseconds)
        {
            return;
        }
        _released.Wait(TimeSpan.FromTicks((_periodStart + _periodNanoseconds - now) / 100));
        var after = Now();
        Interlocked.Increment(ref _throttledPeriods);
        Interlocked.Add(ref _throttledNanoseconds, after - now);
        StartPeriod(after, cpu);
    }

    public TenantUsage Usage()
    {
        long cpu;
        lock (_lock)
        {
            cpu = _tid != 0 ? ThreadCpuClock.Nanoseconds(_tid) ?? _cpuAtExit : _cpuAtExit;
        }
        var running = Volatile.Read(ref _tid) != 0 ? 1 : 0;
        return new TenantUsage(cpu, Memory.UsedBytes, Memory.PeakBytes, _memoryLimitBytes,
            Interlocked.Read(ref _periods), Interlocked.Read(ref _throttledPeriods), Interlocked.Read(ref _throttledNanoseconds), running);
    }

    private void StartPeriod(long now, long cpu)
    {
        _periodStart = now;
        _periodCpuStart = cpu;
        if (_quotaNanoseconds > 0)
        {
            Interlocked.Increment(ref _periods);
        }
    }

    private static long Now() => (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency));
}
