namespace Wasmcell.Linux.Tests;

public sealed class ThreadCpuClockTests
{
    [Fact]
    public void Another_thread_s_cpu_time_is_read_while_it_lives_and_is_gone_after_it_ends()
    {
        var tid = 0;
        using var spun = new ManualResetEventSlim();
        using var finish = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            tid = Libc.Gettid();
            // Spin for 20 ms of its own CPU, however long a busy machine takes to give it that.
            while (ThreadCpuClock.Nanoseconds(tid) < 20_000_000)
            {
            }
            spun.Set();
            finish.Wait();
        });
        thread.Start();
        spun.Wait();

        var used = ThreadCpuClock.Nanoseconds(tid);
        finish.Set();
        thread.Join();

        Assert.NotEqual(Libc.Gettid(), tid);
        Assert.InRange(used ?? 0, 20_000_000, 10_000_000_000);
        // Join returns once the managed thread is done; the runtime's OS thread unwinds and exits a moment later
        // (CI saw it still alive right after Join), so wait for the kernel to let the thread go.
        Assert.True(
            SpinWait.SpinUntil(() => ThreadCpuClock.Nanoseconds(tid) is null, TimeSpan.FromSeconds(30)),
            $"thread {tid} still has a CPU clock 30 s after it ended");
    }
}
