using Containerd.Events;
using Containerd.Task.V2;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Wasmcell.Linux;
using Wasmcell.Oci.RuntimeSpec;
using Wasmcell.Shim.Containers;
using Wasmcell.Shim.Events;
using Wasmcell.Shim.Processes;
using Wasmcell.Ttrpc;
using TaskStatus = Containerd.V1.Types.Status;

namespace Wasmcell.Shim;

/// <summary>
/// containerd's Task API (SPEC §4) translated onto <see cref="Container"/>s. Thin on purpose: every handler
/// is registered through <see cref="Add{TRequest}"/>, where its exceptions become ttrpc status codes (once,
/// via <see cref="ErrorMapping"/>), and nothing here blocks another request.
/// </summary>
public sealed class TaskService
{
    private static readonly TimeSpan CellReadyTimeout = TimeSpan.FromMinutes(2);

    private readonly ContainerTable _table = new();
    private readonly IEventSink _events;
    private readonly ShimLog _log;
    private readonly Func<CreateTaskRequest, Task<Container>> _createContainer;
    private readonly Action<TtrpcCallContext?> _onEmptyShutdown;

    /// <param name="onEmptyShutdown">Called with the call's context by a Shutdown that finds no task left; with none when
    /// an expected Create (<see cref="LauncherService"/>) lapsed and nothing else is left.</param>
    /// <param name="isolation">How this daemon's Wasm containers are placed (its launcher chose it, see <see cref="Isolation"/>).</param>
    public TaskService(IEventSink events, ShimLog log, string ns, Action<TtrpcCallContext?> onEmptyShutdown, IsolationMode isolation = IsolationMode.Independent)
        : this(events, log, request => ContainerFactory.CreateAsync(request, ns, events, log, CellReadyTimeout, isolation), onEmptyShutdown)
    {
    }

    /// <param name="createContainer">Makes the held task for a Create (tests pass one over a fake process).</param>
    internal TaskService(IEventSink events, ShimLog log, Func<CreateTaskRequest, Task<Container>> createContainer,
        Action<TtrpcCallContext?> onEmptyShutdown)
    {
        _events = events;
        _log = log;
        _createContainer = createContainer;
        _onEmptyShutdown = onEmptyShutdown;
    }

    public int Count => _table.Count;

    /// <summary>True when no task is left, and from then on every Create is refused (a daemon that lingered idle exits).</summary>
    public bool TryRetire() => _table.TryClose();

    public IReadOnlyCollection<Container> Containers => _table.All;

    public void Register(TtrpcServer server)
    {
        // containerd 2.x may talk v3; the messages are identical.
        foreach (var service in new[] { "containerd.task.v2.Task", "containerd.task.v3.Task" })
        {
            Add(server, service, "Create", CreateTaskRequest.Parser, async (r, c) => await CreateAsync(r));
            Add(server, service, "Start", StartRequest.Parser, async (r, c) => await StartAsync(r, c.CancellationToken));
            Add(server, service, "State", StateRequest.Parser, (r, c) => Done(State(r)));
            Add(server, service, "Wait", WaitRequest.Parser, async (r, c) => await WaitAsync(r, c.CancellationToken));
            Add(server, service, "Kill", KillRequest.Parser, (r, c) => Done(Kill(r)));
            Add(server, service, "Delete", DeleteRequest.Parser, async (r, c) => await DeleteAsync(r));
            Add(server, service, "Pids", PidsRequest.Parser, (r, c) => Done(Pids(r)));
            Add(server, service, "CloseIO", CloseIORequest.Parser, (r, c) => Done(CloseIO(r)));
            Add(server, service, "Connect", ConnectRequest.Parser, (r, c) => Done(Connect(r)));
            Add(server, service, "Shutdown", ShutdownRequest.Parser, (r, c) => Done(Shutdown(c)));
            Add(server, service, "Stats", StatsRequest.Parser, async (r, c) => await StatsAsync(r));
            Add(server, service, "Update", UpdateTaskRequest.Parser, (r, c) => Done(Update(r)));
            Add(server, service, "Pause", PauseRequest.Parser, (r, c) => Done(Pause(r)));
            Add(server, service, "Resume", ResumeRequest.Parser, (r, c) => Done(Resume(r)));
            Add(server, service, "Exec", ExecProcessRequest.Parser, (r, c) => Unimplemented("Exec: exec into a container"));
            Add(server, service, "ResizePty", ResizePtyRequest.Parser, (r, c) => Unimplemented("ResizePty: terminals"));
            Add(server, service, "Checkpoint", CheckpointTaskRequest.Parser, (r, c) => Unimplemented("Checkpoint"));
        }
        Add(server, LauncherService.Name, LauncherService.Expect, ConnectRequest.Parser, (r, c) => Done(Expect(r)));
    }

    /// <summary>
    /// Registers one RPC. Whatever it throws, synchronously or not, reaches the client as a status code from
    /// <see cref="ErrorMapping"/>; a cancelled call is left to the server, which reports Cancelled or
    /// DeadlineExceeded. Failures nobody anticipated are logged with their stack.
    /// </summary>
    private void Add<TRequest>(TtrpcServer server, string service, string method, MessageParser<TRequest> parser,
        Func<TRequest, TtrpcCallContext, Task<IMessage>> handler)
        where TRequest : IMessage<TRequest>
    {
        server.Register(service, method, parser, async (request, call) =>
        {
            try
            {
                return await handler(request, call).ConfigureAwait(false);
            }
            catch (Exception e) when (!(e is OperationCanceledException && call.CancellationToken.IsCancellationRequested))
            {
                var mapped = ErrorMapping.ToTtrpc(e);
                if (mapped.Code == StatusCode.Unknown)
                {
                    _log.Error($"{method}: unexpected failure: {e}");
                }
                throw mapped;
            }
        });
    }

    private static Task<IMessage> Done(IMessage response) => Task.FromResult(response);

    private static Task<IMessage> Unimplemented(string what) =>
        throw new TaskException(TaskErrorKind.Unimplemented, $"{what} is not implemented by io.containerd.wasm.v1");

    private async Task<CreateTaskResponse> CreateAsync(CreateTaskRequest request)
    {
        _table.Reserve(request.Id);
        // containerd reads this container's log FIFO while its connection lives: the daemon's lines go there too.
        _log.Attach(request.Bundle);
        try
        {
            var container = await _createContainer(request);
            _table.Commit(container);
            _events.Publish("/tasks/create", new TaskCreate
            {
                ContainerId = request.Id,
                Bundle = request.Bundle,
                Rootfs = { request.Rootfs },
                Io = new TaskIO { Stdin = request.Stdin, Stdout = request.Stdout, Stderr = request.Stderr, Terminal = request.Terminal },
                Checkpoint = request.Checkpoint,
                Pid = (uint)container.Pid,
            });
            _log.Info($"created {request.Id} pid {container.Pid}");
            return new CreateTaskResponse { Pid = (uint)container.Pid };
        }
        catch (Exception e)
        {
            _log.Warn($"create {request.Id} failed: {e.Message}");
            _log.Detach(request.Bundle);
            throw;
        }
        finally
        {
            _table.Release(request.Id);
        }
    }

    private async Task<StartResponse> StartAsync(StartRequest request, CancellationToken cancellationToken)
    {
        RequireInit(request.ExecId);
        var container = _table.Get(request.Id);
        return new StartResponse { Pid = await container.StartAsync(cancellationToken) };
    }

    private StateResponse State(StateRequest request)
    {
        RequireInit(request.ExecId);
        var c = _table.Get(request.Id);
        var (state, exit) = c.Snapshot();
        var response = new StateResponse
        {
            Id = c.Id,
            Bundle = c.Bundle,
            Pid = (uint)c.Pid,
            Status = StatusOf(state),
            Stdin = c.Request.Stdin,
            Stdout = c.Request.Stdout,
            Stderr = c.Request.Stderr,
            Terminal = c.Request.Terminal,
        };
        if (state == TaskState.Stopped && exit is { } e)
        {
            response.ExitStatus = e.Code;
            response.ExitedAt = Timestamp.FromDateTimeOffset(e.At);
        }
        return response;
    }

    private async Task<WaitResponse> WaitAsync(WaitRequest request, CancellationToken cancellationToken)
    {
        RequireInit(request.ExecId);
        var exit = await _table.Get(request.Id).Stopped.WaitAsync(cancellationToken);
        return new WaitResponse { ExitStatus = exit.Code, ExitedAt = Timestamp.FromDateTimeOffset(exit.At) };
    }

    private Empty Kill(KillRequest request)
    {
        RequireInit(request.ExecId);
        _table.Get(request.Id).Kill(request.Signal, request.All);
        return new Empty();
    }

    private async Task<DeleteResponse> DeleteAsync(DeleteRequest request)
    {
        RequireInit(request.ExecId);
        var container = _table.Get(request.Id);
        var exit = await container.DeleteAsync();
        _table.Remove(request.Id);
        _log.Info($"deleted {request.Id} exit {exit.Code}");
        _log.Detach(container.Bundle);
        return new DeleteResponse { Pid = (uint)container.Pid, ExitStatus = exit.Code, ExitedAt = Timestamp.FromDateTimeOffset(exit.At) };
    }

    private PidsResponse Pids(PidsRequest request)
    {
        var response = new PidsResponse();
        foreach (var pid in _table.Get(request.Id).Pids())
        {
            response.Processes.Add(new Containerd.V1.Types.ProcessInfo { Pid = (uint)pid });
        }
        return response;
    }

    private Empty CloseIO(CloseIORequest request)
    {
        RequireInit(request.ExecId);
        var c = _table.Get(request.Id);
        if (request.Stdin)
        {
            c.CloseStdin();
        }
        return new Empty();
    }

    private ConnectResponse Connect(ConnectRequest request) => new()
    {
        ShimPid = (uint)Environment.ProcessId,
        TaskPid = _table.TryGet(request.Id, out var c) ? (uint)c.Pid : 0,
        Version = "wasmcell",
    };

    private Empty Expect(ConnectRequest request)
    {
        _table.Expect(request.Id);
        // Should containerd never send that Create, the shim must still leave once it is idle.
        _ = Task.Delay(ContainerTable.ExpectationLifetime + TimeSpan.FromSeconds(1)).ContinueWith(_ =>
        {
            if (_table.Count == 0)
            {
                _onEmptyShutdown(null);
            }
        }, TaskScheduler.Default);
        return new Empty();
    }

    private Empty Shutdown(TtrpcCallContext call)
    {
        if (_table.Count == 0)
        {
            _onEmptyShutdown(call);
        }
        return new Empty();
    }

    private async Task<StatsResponse> StatsAsync(StatsRequest request)
    {
        var c = _table.Get(request.Id);
        if (c.Cgroup is { } cgroup)
        {
            return new StatsResponse { Stats = CgroupMetrics.ToAny(cgroup.Stats()) };
        }
        if (c.Process is SharedTenantProcess tenant)
        {
            var usage = await tenant.UsageAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            return new StatsResponse { Stats = CgroupMetrics.ToAny(TenantMetrics.ToStats(usage, tenant.PidsLimit, Cgroups.Cgroups.DetectMode())) };
        }
        throw new TaskException(TaskErrorKind.NotFound, $"container {request.Id} has no cgroup to read stats from");
    }

    private Empty Update(UpdateTaskRequest request)
    {
        var c = _table.Get(request.Id);
        if (request.Resources is not null && c.Process is SharedTenantProcess)
        {
            throw new TaskException(TaskErrorKind.FailedPrecondition,
                $"update {request.Id}: a shared-mode container's limits are its store's, fixed at create; recreate it with the new limits");
        }
        if (request.Resources is { } any && c.Cgroup is { } cgroup)
        {
            try
            {
                cgroup.Apply(SpecLoader.ParseResources(any.Value.Span));
            }
            catch (Exception e) when (e is InvalidDataException or System.Text.Json.JsonException or IOException)
            {
                throw new TaskException(TaskErrorKind.InvalidArgument, $"update {request.Id}: {e.Message}");
            }
        }
        return new Empty();
    }

    private Empty Pause(PauseRequest request)
    {
        _table.Get(request.Id).Pause();
        return new Empty();
    }

    private Empty Resume(ResumeRequest request)
    {
        _table.Get(request.Id).Resume();
        return new Empty();
    }

    private static void RequireInit(string execId)
    {
        if (!string.IsNullOrEmpty(execId))
        {
            throw new TaskException(TaskErrorKind.NotFound, $"exec {execId}: not found (exec is not supported)");
        }
    }

    // Deleted never shows: a deleted task has left the table. A task being started still reads "created".
    private static TaskStatus StatusOf(TaskState state) => state switch
    {
        TaskState.Created => TaskStatus.Created,
        TaskState.Running => TaskStatus.Running,
        TaskState.Paused => TaskStatus.Paused,
        TaskState.Stopped or TaskState.Deleted => TaskStatus.Stopped,
        _ => TaskStatus.Unknown,
    };
}
