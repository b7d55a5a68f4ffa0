using Wasmcell.Linux;
using Containerd.Events;
using Containerd.Task.V2;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Wasmcell.Oci.RuntimeSpec;
using Wasmcell.Shim.Containers;
using Wasmcell.Shim.Events;
using Wasmcell.Shim.Processes;
using Wasmcell.Ttrpc;
using TaskStatus = Containerd.V1.Types.Status;

namespace Wasmcell.Shim;

/// <summary>
/// containerd's Task API (SPEC §4) translated onto <see cref="Container"/>s. Thin on purpose: errors
/// become ttrpc status codes here, and nothing here blocks another request.
/// </summary>
public sealed class TaskService
{
    private static readonly TimeSpan CellReadyTimeout = TimeSpan.FromMinutes(2);

    private readonly ContainerTable _table = new();
    private readonly EventPublisher _events;
    private readonly ShimLog _log;
    private readonly string _namespace;
    private readonly Action<TtrpcCallContext> _onEmptyShutdown;

    /// <param name="onEmptyShutdown">Called with the call's context by a Shutdown that finds no task left.</param>
    public TaskService(EventPublisher events, ShimLog log, string ns, Action<TtrpcCallContext> onEmptyShutdown)
    {
        _events = events;
        _log = log;
        _namespace = ns;
        _onEmptyShutdown = onEmptyShutdown;
    }

    public int Count => _table.Count;

    public IReadOnlyCollection<Container> Containers => _table.All;

    public void Register(TtrpcServer server)
    {
        // containerd 2.x may talk v3; the messages are identical.
        foreach (var service in new[] { "containerd.task.v2.Task", "containerd.task.v3.Task" })
        {
            server.Register(service, "Create", CreateTaskRequest.Parser, async (r, c) => await CreateAsync(r));
            server.Register(service, "Start", StartRequest.Parser, async (r, c) => await StartAsync(r, c.CancellationToken));
            server.Register(service, "State", StateRequest.Parser, (r, c) => Task.FromResult<IMessage>(State(r)));
            server.Register(service, "Wait", WaitRequest.Parser, async (r, c) => await WaitAsync(r, c.CancellationToken));
            server.Register(service, "Kill", KillRequest.Parser, (r, c) => Task.FromResult<IMessage>(Kill(r)));
            server.Register(service, "Delete", DeleteRequest.Parser, async (r, c) => await DeleteAsync(r));
            server.Register(service, "Pids", PidsRequest.Parser, (r, c) => Task.FromResult<IMessage>(Pids(r)));
            server.Register(service, "CloseIO", CloseIORequest.Parser, (r, c) => Task.FromResult<IMessage>(CloseIO(r)));
            server.Register(service, "Connect", ConnectRequest.Parser, (r, c) => Task.FromResult<IMessage>(Connect(r)));
            server.Register(service, "Shutdown", ShutdownRequest.Parser, (r, c) => Task.FromResult<IMessage>(Shutdown(r, c)));
            server.Register(service, "Stats", StatsRequest.Parser, (r, c) => Task.FromResult<IMessage>(Stats(r)));
            server.Register(service, "Update", UpdateTaskRequest.Parser, (r, c) => Task.FromResult<IMessage>(Update(r)));
            server.Register(service, "Pause", PauseRequest.Parser, (r, c) => Task.FromResult<IMessage>(Pause(r)));
            server.Register(service, "Resume", ResumeRequest.Parser, (r, c) => Task.FromResult<IMessage>(Resume(r)));
            server.Register(service, "Exec", ExecProcessRequest.Parser, (r, c) => Unimplemented("Exec: exec into a container"));
            server.Register(service, "ResizePty", ResizePtyRequest.Parser, (r, c) => Unimplemented("ResizePty: terminals"));
            server.Register(service, "Checkpoint", CheckpointTaskRequest.Parser, (r, c) => Unimplemented("Checkpoint"));
        }
    }

    private static Task<IMessage> Unimplemented(string what) =>
        throw new TtrpcException(StatusCode.Unimplemented, $"{what} is not implemented by io.containerd.wasm.v1");

    private async Task<CreateTaskResponse> CreateAsync(CreateTaskRequest request)
    {
        _table.Reserve(request.Id);
        try
        {
            var container = await ContainerFactory.CreateAsync(request, _namespace, _events, _log, CellReadyTimeout);
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
        catch (Exception e) when (e is not TtrpcException)
        {
            _log.Warn($"create {request.Id} failed: {e.Message}");
            throw new TtrpcException(ErrorMapping.CodeFor(e), e.Message);
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
        try
        {
            return new StartResponse { Pid = await container.StartAsync(cancellationToken) };
        }
        catch (Exception e) when (e is not TtrpcException)
        {
            throw new TtrpcException(ErrorMapping.CodeFor(e), e.Message);
        }
    }

    private StateResponse State(StateRequest request)
    {
        RequireInit(request.ExecId);
        var c = _table.Get(request.Id);
        var (status, exit) = c.Snapshot();
        var response = new StateResponse
        {
            Id = c.Id,
            Bundle = c.Bundle,
            Pid = (uint)c.Pid,
            Status = status,
            Stdin = c.Request.Stdin,
            Stdout = c.Request.Stdout,
            Stderr = c.Request.Stderr,
            Terminal = c.Request.Terminal,
        };
        if (status == TaskStatus.Stopped && exit is { } e)
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

    private Empty Shutdown(ShutdownRequest request, TtrpcCallContext call)
    {
        if (_table.Count == 0)
        {
            _onEmptyShutdown(call);
        }
        return new Empty();
    }

    private StatsResponse Stats(StatsRequest request)
    {
        var c = _table.Get(request.Id);
        if (c.Cgroup is null)
        {
            throw new TtrpcException(StatusCode.NotFound, $"container {request.Id} has no cgroup to read stats from");
        }
        return new StatsResponse { Stats = c.Cgroup.Stats() };
    }

    private Empty Update(UpdateTaskRequest request)
    {
        var c = _table.Get(request.Id);
        if (request.Resources is { } any && c.Cgroup is { } cgroup)
        {
            try
            {
                cgroup.Apply(SpecLoader.ParseResources(any.Value.Span));
            }
            catch (Exception e) when (e is InvalidDataException or System.Text.Json.JsonException or IOException)
            {
                throw new TtrpcException(StatusCode.InvalidArgument, $"update {request.Id}: {e.Message}");
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
            throw new TtrpcException(StatusCode.NotFound, $"exec {execId}: not found (exec is not supported)");
        }
    }
}
