namespace Wasmcell.Shim.Tests.TaskCore;

public sealed class ShimShutdownTests : IDisposable
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(10);
    private readonly TaskBundle _bundle = new();
    private readonly RecordingEventSink _events = new();

    public void Dispose() => _bundle.Dispose();

    [Fact]
    public async Task Every_live_task_is_killed_even_after_an_exited_one_and_events_are_flushed()
    {
        var exited = new FakeTaskProcess { Pid = 1 };
        var running = new FakeTaskProcess { Pid = 2 };
        var created = new FakeTaskProcess { Pid = 3 };
        var first = _bundle.NewContainer(exited, _events, "exited");
        await first.StartAsync(CancellationToken.None);
        exited.Exit(0);
        await first.Stopped.WaitAsync(HangGuard);
        var second = _bundle.NewContainer(running, _events, "running");
        await second.StartAsync(CancellationToken.None);
        var third = _bundle.NewContainer(created, _events, "created");
        var flushes = 0;

        await ShimShutdown.KillTasksAndFlushAsync([first, second, third], () =>
        {
            flushes++;
            return Task.CompletedTask;
        }, ShimLog.None);

        Assert.Empty(exited.Signals);
        Assert.Equal([9], running.Signals);
        Assert.Equal([9], created.Signals);
        Assert.Equal(1, flushes);
    }

    [Fact]
    public async Task A_kill_that_fails_spares_no_other_task_and_the_flush_still_runs()
    {
        var broken = new FakeTaskProcess { Pid = 1, SignalFailure = new IOException("pidfd gone") };
        var running = new FakeTaskProcess { Pid = 2 };
        var first = _bundle.NewContainer(broken, _events, "broken");
        var second = _bundle.NewContainer(running, _events, "running");
        var flushes = 0;

        await ShimShutdown.KillTasksAndFlushAsync([first, second], () =>
        {
            flushes++;
            return Task.CompletedTask;
        }, ShimLog.None);

        Assert.Equal([9], broken.Signals);
        Assert.Equal([9], running.Signals);
        Assert.Equal(1, flushes);
    }
}
