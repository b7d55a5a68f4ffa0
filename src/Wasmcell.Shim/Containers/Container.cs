using Wasmcell.Cgroups;
using Containerd.Events;
using Containerd.Task.V2;
using Google.Protobuf.WellKnownTypes;
using Wasmcell.Shim.Events;
using Wasmcell.Shim.Processes;
using Wasmcell.Ttrpc;
using TaskStatus = Containerd.V1.Types.Status;

namespace Wasmcell.Shim.Containers;

/// <summary>
/// One task: its process, stdio and rootfs, and the state machine CREATED → RUNNING → STOPPED (SPEC §4.1).
/// State reads never block; transitions happen under <see cref="_gate"/>, which is also held across
/// start + TaskStart publication so that a fast exit's TaskExit always follows TaskStart.
/// </summary>
public sealed class Container
{
    // How long an exit report waits for a client that has stopped reading the output (see WaitOutputReadAsync).
    private static readonly TimeSpan OutputStallLimit = TimeSpan.FromMilliseconds(500);

    private readonly object _gate = new();
    private readonly ITaskProcess _process;
    private readonly ContainerStdio _stdio;
    private readonly EventPublisher _events;
    private readonly ShimLog _log;
    private readonly TaskCompletionSource<ExitStatus> _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskStatus _status = TaskStatus.Created;
    private ExitStatus? _exit;
    private readonly IDisposable? _oomWatch;

    public Container(CreateTaskRequest request, ITaskProcess process, ContainerStdio stdio, bool mountedRootfs, EventPublisher events,
        Cgroups.ICgroup? cgroup, ShimLog log)
    {
        _log = log;
        Request = request;
        _process = process;
        _stdio = stdio;
        MountedRootfs = mountedRootfs;
        _events = events;
        Cgroup = cgroup;
        // CRI sets reason OOMKilled from /tasks/oom.
        _oomWatch = cgroup?.WatchOom(() => _events.Publish("/tasks/oom", new TaskOOM { ContainerId = Id }));
        _ = WatchExitAsync();
    }

    public CreateTaskRequest Request { get; }
    public string Id => Request.Id;
    public string Bundle => Request.Bundle;
    public bool MountedRootfs { get; }
    public Cgroups.ICgroup? Cgroup { get; }
    public int Pid => _process.Pid;

    /// <summary>Completes with the exit status once the task is STOPPED.</summary>
    public Task<ExitStatus> Stopped => _stopped.Task;

    public (TaskStatus Status, ExitStatus? Exit) Snapshot()
    {
        lock (_gate)
        {
            return (_status, _exit);
        }
    }

    /// <summary>
    /// Starts the held process. Runs synchronously under <see cref="_gate"/> (runc start is a short helper
    /// run; a cell start is one write), so the exit watcher cannot publish TaskExit before TaskStart.
    /// </summary>
    public Task<uint> StartAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_status != TaskStatus.Created)
            {
                throw new TtrpcException(StatusCode.FailedPrecondition, $"container {Id} is {_status.ToString().ToLowerInvariant()}, not created");
            }
            _process.StartAsync(cancellationToken).GetAwaiter().GetResult();
            _status = TaskStatus.Running;
            _stdio.CloseProcessStdin();
            _events.Publish("/tasks/start", new TaskStart { ContainerId = Id, Pid = (uint)Pid });
        }
        return Task.FromResult((uint)Pid);
    }

    public void Kill(uint signal, bool all)
    {
        lock (_gate)
        {
            if (_status == TaskStatus.Stopped)
            {
                throw new TtrpcException(StatusCode.NotFound, "process already finished: not found");
            }
        }
        if (!_process.Signal((int)signal, all))
        {
            throw new TtrpcException(StatusCode.NotFound, "process already finished: not found");
        }
    }

    public void CloseStdin() => _stdio.CloseStdin();

    public IReadOnlyList<int> Pids() => _process.Pids();

    public void Pause()
    {
        RequireCgroup("pause").Freeze();
        lock (_gate)
        {
            if (_status == TaskStatus.Running)
            {
                _status = TaskStatus.Paused;
            }
        }
        _events.Publish("/tasks/paused", new TaskPaused { ContainerId = Id });
    }

    public void Resume()
    {
        RequireCgroup("resume").Thaw();
        lock (_gate)
        {
            if (_status == TaskStatus.Paused)
            {
                _status = TaskStatus.Running;
            }
        }
        _events.Publish("/tasks/resumed", new TaskResumed { ContainerId = Id });
    }

    public Cgroups.ICgroup RequireCgroup(string what) =>
        Cgroup ?? throw new TtrpcException(StatusCode.FailedPrecondition, $"container {Id} has no cgroup (linux.cgroupsPath is empty): cannot {what}");

    /// <summary>Releases everything of a stopped or never-started task; the caller removes it from the table.</summary>
    public async Task<ExitStatus> DeleteAsync()
    {
        TaskStatus status;
        lock (_gate)
        {
            status = _status;
        }
        if (status is TaskStatus.Running or TaskStatus.Paused)
        {
            throw new TtrpcException(StatusCode.FailedPrecondition, $"cannot delete a running process: container {Id} is running");
        }
        if (status == TaskStatus.Created)
        {
            // Never started: end the held process so nothing of it runs.
            _process.Signal(9, all: true);
        }
        var exit = await Stopped.ConfigureAwait(false);
        _stdio.Dispose();
        _oomWatch?.Dispose();
        var cleaned = await _process.CleanupAsync().ConfigureAwait(false);
        ChildReaper.Instance.Forget(Pid);
        try
        {
            Cgroup?.Delete();
        }
        catch (IOException)
        {
            cleaned = false;
        }
        if (MountedRootfs)
        {
            RootfsMounts.UnmountAll(Path.Join(Bundle, "rootfs"));
        }
        if (cleaned)
        {
            // The `delete` action containerd runs next (on the critical path of every `ctr run --rm`) then
            // has nothing left to kill, remove or unmount.
            File.WriteAllText(Path.Join(Bundle, BundleFiles.Cleaned), "");
        }
        _events.Publish("/tasks/delete", new TaskDelete
        {
            ContainerId = Id,
            Pid = (uint)Pid,
            ExitStatus = exit.Code,
            ExitedAt = Timestamp.FromDateTimeOffset(exit.At),
        });
        return exit;
    }

    private async Task WatchExitAsync()
    {
        var exit = await _process.Exited.ConfigureAwait(false);
        // The exit is what tells ctr to stop reading: first let it read the output's tail. The shim still
        // holds a writer on each output FIFO, so a reader that opens only now finds one and reads.
        if (await _stdio.WaitOutputReadAsync(OutputStallLimit).ConfigureAwait(false) is > 0 and var unread)
        {
            _log.Warn($"{Id}: reporting the exit with {unread} bytes of output unread: no client read them for {OutputStallLimit.TotalMilliseconds} ms");
        }
        lock (_gate)
        {
            _status = TaskStatus.Stopped;
            _exit = exit;
            _stdio.CloseOutput();
            // Record the status so the `delete` action reports it if the daemon is gone by then.
            TryWriteExitFile(exit);
            _events.Publish("/tasks/exit", new TaskExit
            {
                ContainerId = Id,
                Id = Id,
                Pid = (uint)Pid,
                ExitStatus = exit.Code,
                ExitedAt = Timestamp.FromDateTimeOffset(exit.At),
            });
        }
        _stopped.TrySetResult(exit);
    }

    private void TryWriteExitFile(ExitStatus exit)
    {
        try
        {
            File.WriteAllText(Path.Join(Bundle, BundleFiles.ExitStatus),
                $"{exit.Code} {exit.At.ToUnixTimeMilliseconds()}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
