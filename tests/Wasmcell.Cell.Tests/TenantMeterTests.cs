using System.Diagnostics;
using Wasmcell.Cell.Shared;

namespace Wasmcell.Cell.Tests;

/// <summary>A shared cell's per-container accounting (TenantMeter), driven by a thread standing in for a guest.</summary>
public sealed class TenantMeterTests
{
    [Fact]
    public async Task A_guest_over_its_cpu_quota_is_held_until_its_period_ends_and_the_holds_are_counted()
    {
        // 5 ms of CPU per 100 ms period; the stand-in spins, reaching the meter every ~1 ms, until it was held 3 times.
        var meter = new TenantMeter(quotaNanoseconds: 5_000_000, periodNanoseconds: 100_000_000, memoryLimitBytes: 0);
        var guest = Task.Factory.StartNew(() => Spin(meter, TimeSpan.FromSeconds(20), () => meter.Usage().ThrottledPeriods >= 3), TaskCreationOptions.LongRunning);
        await guest.WaitAsync(TimeSpan.FromSeconds(60));

        var usage = meter.Usage();
        Assert.True(usage.ThrottledPeriods >= 3, $"throttled periods {usage.ThrottledPeriods}");
        // Each period it got its 5 ms and at most one more tick before it was held (a tick is ~1 ms of wall time here,
        // generously 5 ms of CPU); spinning freely it would have used the periods' whole 100 ms.
        Assert.True(usage.CpuNanoseconds <= usage.Periods * 10_000_000,
            $"cpu {usage.CpuNanoseconds / 1e6:0} ms over {usage.Periods} periods under a 5 ms quota");
        Assert.True(usage.ThrottledNanoseconds > 0);
        Assert.True(usage.Periods > usage.ThrottledPeriods);
        Assert.Equal(0, usage.Threads); // the stand-in has ended
    }

    [Fact]
    public async Task A_held_guest_is_let_go_at_once_when_it_is_stopped()
    {
        // A 1 ms quota per 1000 s period: the first tick past 1 ms holds the guest for the rest of the period.
        var meter = new TenantMeter(quotaNanoseconds: 1_000_000, periodNanoseconds: 1_000_000_000_000, memoryLimitBytes: 0);
        var guest = Task.Factory.StartNew(() => Spin(meter, TimeSpan.FromSeconds(2)), TaskCreationOptions.LongRunning);
        var clock = Stopwatch.StartNew();
        while (meter.Usage().ThrottledNanoseconds == 0 && meter.Usage().CpuNanoseconds < 1_000_000 && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(10);
        }
        await Task.Delay(50);
        Assert.False(guest.IsCompleted, "the guest was never held");

        meter.Release();

        // Held, it would wait out the 1000 s period; let go, it spins on to the end of its 2 s.
        await guest.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(meter.Usage().ThrottledPeriods >= 1);
    }

    [Fact]
    public void Memory_is_its_budget_s_with_the_peak_and_limit_a_refusal_is_passed_on_and_cpu_is_the_guest_thread_s_own()
    {
        var meter = new TenantMeter(0, 0, memoryLimitBytes: 64 << 20);
        var refusals = new List<Wasmcell.Runtime.GuestMemory.MemoryRefusal>();
        meter.MemoryRefused = refusals.Add;
        var thread = new Thread(() =>
        {
            meter.OnGuestStart();
            // What the guest's linear memories charge (BudgetedMemoryCreator), counted as they grow.
            Assert.True(meter.Memory.TryCharge(3 << 20));
            meter.OnTick();
            Assert.True(meter.Memory.TryCharge(2 << 20));
            meter.Memory.Release(1 << 20);
            Assert.False(meter.Memory.TryCharge(61 << 20));
            var tid = Wasmcell.Linux.Libc.Gettid();
            while (Wasmcell.Linux.ThreadCpuClock.Nanoseconds(tid) < 20_000_000)
            {
            }
            meter.OnGuestEnd();
        });
        thread.Start();
        thread.Join();

        var usage = meter.Usage();
        Assert.Equal((4L << 20, 5L << 20, 64L << 20), (usage.MemoryBytes, usage.MaxMemoryBytes, usage.MemoryLimitBytes));
        Assert.Equal(new Wasmcell.Runtime.GuestMemory.MemoryRefusal(4L << 20, 65L << 20, 64L << 20), Assert.Single(refusals));
        Assert.InRange(usage.CpuNanoseconds, 20_000_000, 10_000_000_000);
        Assert.Equal((0L, 0L, 0L), (usage.Periods, usage.ThrottledPeriods, usage.Threads));
    }

    private static void Spin(TenantMeter meter, TimeSpan wall, Func<bool>? done = null)
    {
        meter.OnGuestStart();
        var clock = Stopwatch.StartNew();
        var next = TimeSpan.Zero;
        while (clock.Elapsed < wall && done?.Invoke() != true)
        {
            if (clock.Elapsed >= next)
            {
                meter.OnTick();
                next = clock.Elapsed + TimeSpan.FromMilliseconds(1);
            }
        }
        meter.OnGuestEnd();
    }
}
