using Containerd.Task.V2;
using Google.Protobuf.WellKnownTypes;
using Wasmcell.Ttrpc;

namespace Wasmcell.Shim.Tests.TaskCore;

/// <summary>Each refusal of the task core reaches the client as containerd's status code, over real ttrpc.</summary>
public sealed class TaskServiceErrorTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task An_unknown_id_is_NotFound()
    {
        await using var h = new TaskServiceHarness();

        Assert.Equal(StatusCode.NotFound, await h.FailingCallAsync("State", new StateRequest { Id = "nope" }, StateResponse.Parser));
        Assert.Equal(StatusCode.NotFound, await h.FailingCallAsync("Kill", new KillRequest { Id = "nope", Signal = 9 }, Empty.Parser));
        Assert.Equal(StatusCode.NotFound, await h.FailingCallAsync("Delete", new DeleteRequest { Id = "nope" }, DeleteResponse.Parser));
    }

    [Fact]
    public async Task Exec_is_Unimplemented()
    {
        await using var h = new TaskServiceHarness();

        Assert.Equal(StatusCode.Unimplemented,
            await h.FailingCallAsync("Exec", new ExecProcessRequest { Id = "c1", ExecId = "e1" }, Empty.Parser));
    }

    [Fact]
    public async Task An_exec_id_is_NotFound()
    {
        await using var h = new TaskServiceHarness();
        await h.CallAsync("Create", h.CreateRequest(), CreateTaskResponse.Parser);

        Assert.Equal(StatusCode.NotFound,
            await h.FailingCallAsync("State", new StateRequest { Id = "c1", ExecId = "e1" }, StateResponse.Parser));
    }

    [Fact]
    public async Task A_create_the_runtime_cannot_honour_is_InvalidArgument()
    {
        await using var h = new TaskServiceHarness(realFactory: true);
        var request = h.CreateRequest();
        request.Terminal = true;

        var e = await Assert.ThrowsAsync<TtrpcException>(() => h.CallAsync("Create", request, CreateTaskResponse.Parser));

        Assert.Equal(StatusCode.InvalidArgument, e.Code);
        Assert.Contains("terminal", e.Message);
        Assert.Equal(0, h.Tasks.Count);
    }

    [Fact]
    public async Task Creating_an_existing_id_is_AlreadyExists()
    {
        await using var h = new TaskServiceHarness();
        await h.CallAsync("Create", h.CreateRequest(), CreateTaskResponse.Parser);

        Assert.Equal(StatusCode.AlreadyExists, await h.FailingCallAsync("Create", h.CreateRequest(), CreateTaskResponse.Parser));
    }

    [Fact]
    public async Task Starting_twice_is_FailedPrecondition()
    {
        await using var h = new TaskServiceHarness();
        await h.CallAsync("Create", h.CreateRequest(), CreateTaskResponse.Parser);
        await h.CallAsync("Start", new StartRequest { Id = "c1" }, StartResponse.Parser);

        Assert.Equal(StatusCode.FailedPrecondition, await h.FailingCallAsync("Start", new StartRequest { Id = "c1" }, StartResponse.Parser));
    }

    [Fact]
    public async Task Deleting_a_running_task_is_FailedPrecondition()
    {
        await using var h = new TaskServiceHarness();
        await h.CallAsync("Create", h.CreateRequest(), CreateTaskResponse.Parser);
        await h.CallAsync("Start", new StartRequest { Id = "c1" }, StartResponse.Parser);

        Assert.Equal(StatusCode.FailedPrecondition, await h.FailingCallAsync("Delete", new DeleteRequest { Id = "c1" }, DeleteResponse.Parser));
    }

    [Fact]
    public async Task Pausing_a_task_without_a_cgroup_is_FailedPrecondition()
    {
        await using var h = new TaskServiceHarness();
        await h.CallAsync("Create", h.CreateRequest(), CreateTaskResponse.Parser);
        await h.CallAsync("Start", new StartRequest { Id = "c1" }, StartResponse.Parser);

        Assert.Equal(StatusCode.FailedPrecondition, await h.FailingCallAsync("Pause", new PauseRequest { Id = "c1" }, Empty.Parser));
    }

    [Fact]
    public async Task Killing_an_exited_task_is_NotFound()
    {
        await using var h = new TaskServiceHarness();
        await h.CallAsync("Create", h.CreateRequest(), CreateTaskResponse.Parser);
        await h.CallAsync("Start", new StartRequest { Id = "c1" }, StartResponse.Parser);
        h.Processes["c1"].Exit(0);
        await h.CallAsync("Wait", new WaitRequest { Id = "c1" }, WaitResponse.Parser);

        Assert.Equal(StatusCode.NotFound, await h.FailingCallAsync("Kill", new KillRequest { Id = "c1", Signal = 9 }, Empty.Parser));
    }

    [Fact]
    public async Task A_wait_past_its_deadline_is_DeadlineExceeded_not_a_mapped_cancellation()
    {
        await using var h = new TaskServiceHarness();
        await h.CallAsync("Create", h.CreateRequest(), CreateTaskResponse.Parser);

        Assert.Equal(StatusCode.DeadlineExceeded,
            await h.FailingCallAsync("Wait", new WaitRequest { Id = "c1" }, WaitResponse.Parser, TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task An_unexpected_failure_is_Unknown_with_its_message()
    {
        await using var h = new TaskServiceHarness();
        await h.CallAsync("Create", h.CreateRequest(), CreateTaskResponse.Parser);
        h.Processes["c1"].OnStart = _ => Task.FromException(new InvalidOperationException("runc start c1 failed (exit 1)"));

        var e = await Assert.ThrowsAsync<TtrpcException>(() => h.CallAsync("Start", new StartRequest { Id = "c1" }, StartResponse.Parser));

        Assert.Equal(StatusCode.Unknown, e.Code);
        Assert.Equal("runc start c1 failed (exit 1)", e.Message);
    }
}
