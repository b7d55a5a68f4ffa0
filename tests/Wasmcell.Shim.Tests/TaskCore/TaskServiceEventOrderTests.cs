using Containerd.Events;
using Containerd.Task.V2;
using Google.Protobuf.WellKnownTypes;
using TaskStatus = Containerd.V1.Types.Status;

namespace Wasmcell.Shim.Tests.TaskCore;

/// <summary>SPEC §5 / containerd's runtime-v2 contract: Create → Start → Exit → Delete, whatever the timing.</summary>
public sealed class TaskServiceEventOrderTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_task_publishes_create_start_exit_delete_in_that_order()
    {
        await using var h = new TaskServiceHarness();

        var created = await h.CallAsync("Create", h.CreateRequest(), CreateTaskResponse.Parser);
        var state = await h.CallAsync("State", new StateRequest { Id = "c1" }, StateResponse.Parser);
        await h.CallAsync("Start", new StartRequest { Id = "c1" }, StartResponse.Parser);
        var running = await h.CallAsync("State", new StateRequest { Id = "c1" }, StateResponse.Parser);
        h.Processes["c1"].Exit(5);
        var waited = await h.CallAsync("Wait", new WaitRequest { Id = "c1" }, WaitResponse.Parser);
        var stopped = await h.CallAsync("State", new StateRequest { Id = "c1" }, StateResponse.Parser);
        var deleted = await h.CallAsync("Delete", new DeleteRequest { Id = "c1" }, DeleteResponse.Parser);

        Assert.Equal(["/tasks/create", "/tasks/start", "/tasks/exit", "/tasks/delete"], h.Events.Topics);
        Assert.Equal(4242u, created.Pid);
        Assert.Equal(TaskStatus.Created, state.Status);
        Assert.Equal(TaskStatus.Running, running.Status);
        Assert.Equal(TaskStatus.Stopped, stopped.Status);
        Assert.Equal(5u, stopped.ExitStatus);
        Assert.Equal(5u, waited.ExitStatus);
        Assert.Equal(5u, deleted.ExitStatus);
        Assert.Equal(0, h.Tasks.Count);
    }

    [Fact]
    public async Task An_exit_racing_start_still_follows_TaskStart()
    {
        await using var h = new TaskServiceHarness();
        await h.CallAsync("Create", h.CreateRequest(), CreateTaskResponse.Parser);
        var process = h.Processes["c1"];
        process.OnStart = async _ =>
        {
            // The workload is done before the start returns: the exit watcher sees it mid-start.
            process.Exit(0);
            await Task.Delay(100);
        };

        await h.CallAsync("Start", new StartRequest { Id = "c1" }, StartResponse.Parser);
        await h.CallAsync("Wait", new WaitRequest { Id = "c1" }, WaitResponse.Parser);
        await h.CallAsync("Delete", new DeleteRequest { Id = "c1" }, DeleteResponse.Parser);

        Assert.Equal(["/tasks/create", "/tasks/start", "/tasks/exit", "/tasks/delete"], h.Events.Topics);
    }

    [Fact]
    public async Task Kill_during_a_slow_start_is_answered_before_the_start_ends()
    {
        await using var h = new TaskServiceHarness();
        await h.CallAsync("Create", h.CreateRequest(), CreateTaskResponse.Parser);
        var starting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource();
        h.Processes["c1"].OnStart = _ =>
        {
            starting.SetResult();
            return release.Task;
        };

        var start = h.CallAsync("Start", new StartRequest { Id = "c1" }, StartResponse.Parser);
        await starting.Task.WaitAsync(HangGuard);
        await h.CallAsync("Kill", new KillRequest { Id = "c1", Signal = 9, All = true }, Empty.Parser, TimeSpan.FromSeconds(2));
        var state = await h.CallAsync("State", new StateRequest { Id = "c1" }, StateResponse.Parser, TimeSpan.FromSeconds(2));

        Assert.False(start.IsCompleted);
        Assert.Equal(TaskStatus.Created, state.Status);
        release.SetResult();
        await start.WaitAsync(HangGuard);
        await h.CallAsync("Wait", new WaitRequest { Id = "c1" }, WaitResponse.Parser);
        Assert.Equal(["/tasks/create", "/tasks/start", "/tasks/exit"], h.Events.Topics);
        Assert.Equal(137u, h.Events.Single<TaskExit>("/tasks/exit").ExitStatus);
    }
}
