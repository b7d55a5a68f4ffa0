using Containerd.Events;
using Wasmcell.Shim.Containers;

namespace Wasmcell.Shim.Tests.TaskCore;

public sealed class ContainerLifecycleTests : IDisposable
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(10);
    private readonly TaskBundle _bundle = new();
    private readonly RecordingEventSink _events = new();
    private readonly FakeTaskProcess _process = new();

    public void Dispose() => _bundle.Dispose();

    [Fact]
    public async Task Start_runs_the_process_and_publishes_TaskStart()
    {
        var c = _bundle.NewContainer(_process, _events);

        Assert.Equal(4242u, await c.StartAsync(CancellationToken.None));

        Assert.Equal(1, _process.StartCalls);
        Assert.Equal(TaskState.Running, c.Snapshot().State);
        Assert.Equal(["/tasks/start"], _events.Topics);
        Assert.Equal(4242u, _events.Single<TaskStart>("/tasks/start").Pid);
    }

    [Fact]
    public async Task Starting_twice_is_a_failed_precondition()
    {
        var c = _bundle.NewContainer(_process, _events);
        await c.StartAsync(CancellationToken.None);

        var e = await Assert.ThrowsAsync<TaskException>(() => c.StartAsync(CancellationToken.None));

        Assert.Equal(TaskErrorKind.FailedPrecondition, e.Kind);
        Assert.Equal(1, _process.StartCalls);
    }

    [Fact]
    public async Task Starting_while_a_start_is_under_way_is_a_failed_precondition()
    {
        var release = new TaskCompletionSource();
        _process.OnStart = _ => release.Task;
        var c = _bundle.NewContainer(_process, _events);
        var first = c.StartAsync(CancellationToken.None);

        var e = await Assert.ThrowsAsync<TaskException>(() => c.StartAsync(CancellationToken.None));
        release.SetResult();
        await first.WaitAsync(HangGuard);

        Assert.Equal(TaskErrorKind.FailedPrecondition, e.Kind);
        Assert.Equal(1, _process.StartCalls);
    }

    [Fact]
    public async Task A_failed_start_leaves_the_task_created_and_publishes_nothing()
    {
        _process.OnStart = _ => Task.FromException(new InvalidOperationException("runc start failed"));
        var c = _bundle.NewContainer(_process, _events);

        await Assert.ThrowsAsync<InvalidOperationException>(() => c.StartAsync(CancellationToken.None));

        Assert.Equal(TaskState.Created, c.Snapshot().State);
        Assert.Empty(_events.Topics);
    }

    [Fact]
    public async Task State_kill_and_pids_do_not_wait_for_a_slow_start()
    {
        var starting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource();
        _process.OnStart = _ =>
        {
            starting.SetResult();
            return release.Task;
        };
        var c = _bundle.NewContainer(_process, _events);
        // On a pool thread: a start that blocked its caller must not hang the test.
        var start = Task.Run(() => c.StartAsync(CancellationToken.None));
        await starting.Task.WaitAsync(HangGuard);

        // Each on a pool thread with a deadline: under a lock held across the start they would hang.
        var state = await Task.Run(() => c.Snapshot().State).WaitAsync(TimeSpan.FromSeconds(2));
        var pids = await Task.Run(c.Pids).WaitAsync(TimeSpan.FromSeconds(2));
        await Task.Run(() => c.Kill(15, all: false)).WaitAsync(TimeSpan.FromSeconds(2));

        Assert.False(start.IsCompleted);
        Assert.Equal(TaskState.Created, state);
        Assert.Equal([4242], pids);
        Assert.Equal([15], _process.Signals);
        release.SetResult();
        await start.WaitAsync(HangGuard);
    }

    [Fact]
    public async Task An_exit_during_start_is_published_after_TaskStart()
    {
        var exitedDuringStart = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        _process.OnStart = async _ =>
        {
            _process.Exit(3);
            exitedDuringStart.SetResult();
            await release.Task;
        };
        var c = _bundle.NewContainer(_process, _events);
        var start = c.StartAsync(CancellationToken.None);
        await exitedDuringStart.Task.WaitAsync(HangGuard);
        // Give the exit watcher ample time to see the exit while the start is still under way.
        await Task.Delay(200);

        Assert.Empty(_events.Topics);
        Assert.False(c.Stopped.IsCompleted);
        release.SetResult();
        await start.WaitAsync(HangGuard);
        var exit = await c.Stopped.WaitAsync(HangGuard);

        Assert.Equal(["/tasks/start", "/tasks/exit"], _events.Topics);
        Assert.Equal(3u, exit.Code);
        Assert.Equal(TaskState.Stopped, c.Snapshot().State);
    }

    [Fact]
    public async Task Events_follow_start_exit_delete_and_the_task_ends_deleted()
    {
        var c = _bundle.NewContainer(_process, _events);
        await c.StartAsync(CancellationToken.None);
        _process.Exit(7);
        await c.Stopped.WaitAsync(HangGuard);

        var exit = await c.DeleteAsync();

        Assert.Equal(7u, exit.Code);
        Assert.Equal(["/tasks/start", "/tasks/exit", "/tasks/delete"], _events.Topics);
        Assert.Equal(7u, _events.Single<TaskExit>("/tasks/exit").ExitStatus);
        Assert.Equal(7u, _events.Single<TaskDelete>("/tasks/delete").ExitStatus);
        Assert.Equal(TaskState.Deleted, c.Snapshot().State);
        Assert.True(File.Exists(Path.Join(_bundle.Path, BundleFiles.ExitStatus)));
        Assert.True(File.Exists(Path.Join(_bundle.Path, BundleFiles.Cleaned)));
    }

    [Fact]
    public async Task Deleting_a_running_task_is_a_failed_precondition()
    {
        var c = _bundle.NewContainer(_process, _events);
        await c.StartAsync(CancellationToken.None);

        var e = await Assert.ThrowsAsync<TaskException>(c.DeleteAsync);

        Assert.Equal(TaskErrorKind.FailedPrecondition, e.Kind);
        Assert.Empty(_process.Signals);
        Assert.Equal(TaskState.Running, c.Snapshot().State);
    }

    [Fact]
    public async Task Deleting_a_task_never_started_kills_its_held_process()
    {
        var c = _bundle.NewContainer(_process, _events);

        var exit = await c.DeleteAsync().WaitAsync(HangGuard);

        Assert.Equal([9], _process.Signals);
        Assert.Equal(137u, exit.Code);
        Assert.Equal(["/tasks/exit", "/tasks/delete"], _events.Topics);
    }

    [Fact]
    public async Task Deleting_twice_is_not_found()
    {
        var c = _bundle.NewContainer(_process, _events);
        await c.DeleteAsync().WaitAsync(HangGuard);

        var e = await Assert.ThrowsAsync<TaskException>(c.DeleteAsync);

        Assert.Equal(TaskErrorKind.NotFound, e.Kind);
    }

    [Fact]
    public async Task Killing_a_stopped_task_is_not_found_and_sends_nothing()
    {
        var c = _bundle.NewContainer(_process, _events);
        await c.StartAsync(CancellationToken.None);
        _process.Exit(0);
        await c.Stopped.WaitAsync(HangGuard);

        var e = Assert.Throws<TaskException>(() => c.Kill(9, all: true));

        Assert.Equal(TaskErrorKind.NotFound, e.Kind);
        Assert.Empty(_process.Signals);
    }

    [Fact]
    public async Task Killing_a_running_task_signals_its_process_and_its_exit_follows()
    {
        var c = _bundle.NewContainer(_process, _events);
        await c.StartAsync(CancellationToken.None);

        c.Kill(15, all: false);
        var exit = await c.Stopped.WaitAsync(HangGuard);

        Assert.Equal([15], _process.Signals);
        Assert.Equal(143u, exit.Code);
        Assert.Equal(TaskState.Stopped, c.Snapshot().State);
    }

    [Fact]
    public async Task Pause_and_resume_without_a_cgroup_are_failed_preconditions()
    {
        var c = _bundle.NewContainer(_process, _events);
        await c.StartAsync(CancellationToken.None);

        var pause = Assert.Throws<TaskException>(c.Pause);
        var resume = Assert.Throws<TaskException>(c.Resume);

        Assert.Equal(TaskErrorKind.FailedPrecondition, pause.Kind);
        Assert.Equal(TaskErrorKind.FailedPrecondition, resume.Kind);
        Assert.Contains("cgroup", pause.Message);
        Assert.Equal(TaskState.Running, c.Snapshot().State);
        Assert.Equal(["/tasks/start"], _events.Topics);
    }
}
