using Containerd.Events;
using Containerd.Task.V2;
using Google.Protobuf.WellKnownTypes;
using Wasmcell.Shim.Events;
using Wasmcell.Shim.Processes;

namespace Wasmcell.Shim.Containers;

/// <summary>
/// One task: its process, stdio and rootfs, and its <see cref="TaskState"/> (SPEC §4.1). Knows nothing of
/// ttrpc: refusals are <see cref="TaskException"/>s, events go to an <see cref="IEventSink"/>.
/// </summary>
public sealed class Container
{
    // How long an exit report waits for a client that has stopped reading the output (see WaitOutputReadAsync).
    private static readonly TimeSpan OutputStallLimit = TimeSpan.FromMilliseconds(500);

    // Guards _state, _starting, _pendingExit and _exit, and orders the events published under it. Never held
    // across process work (start, freeze, signal): State, Kill and Pids must not wait for a slow `runc start`.
    private readonly Lock _gate = new();
    private readonly ITaskProcess _process;
    private readonly ContainerStdio _stdio;
    private readonly IEventSink _events;
    private readonly Action<int> _forgetPid;
    private readonly TaskCompletionSource<ExitStatus> _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IDisposable? _oomWatch;
    private readonly ShimLog _log;
    private TaskState _state = TaskState.Created;
    // True while StartAsync runs the process start. An exit seen meanwhile waits in _pendingExit until
    // TaskStart is out, so TaskExit never overtakes it.
    private bool _starting;
    private ExitStatus? _pendingExit;
    private ExitStatus? _exit;

    /// <param name="forgetPid">Drops the reaper's record of the pid once Delete has consumed its exit.</param>
    public Container(CreateTaskRequest request, ITaskProcess process, ContainerStdio stdio, bool mountedRootfs, IEventSink events,
        Cgroups.ICgroup? cgroup, ShimLog log, Action<int> forgetPid)
    {
        _log = log;
        Request = request;
        _process = process;
        _stdio = stdio;
        MountedRootfs = mountedRootfs;
        _events = events;
        _forgetPid = forgetPid;
        Cgroup = cgroup;
        // CRI sets reason OOMKilled from /tasks/oom. A shared cell's container has no cgroup; its cell tells.
        Action publishOom = () => _events.Publish("/tasks/oom", new TaskOOM { ContainerId = Id });
        _oomWatch = cgroup?.WatchOom(publishOom) ?? (process as IReportsOutOfMemory)?.WatchOom(publishOom);
        _ = WatchExitAsync();
    }

    public CreateTaskRequest Request { get; }
    public string Id => Request.Id;
    public string Bundle => Request.Bundle;
    public bool MountedRootfs { get; }
    public Cgroups.ICgroup? Cgroup { get; }
    public int Pid => _process.Pid;
    public ITaskProcess Process => _process;

    /// <summary>Completes with the exit status once the task is STOPPED.</summary>
    public Task<ExitStatus> Stopped => _stopped.Task;

    public (TaskState State, ExitStatus? Exit) Snapshot()
    {
        lock (_gate)
        {
            return (_state, _exit);
        }
    }

    /// <summary>
    /// Starts the held process and publishes TaskStart. The lock is not held while the process starts; an
    /// exit that arrives meanwhile is published right after TaskStart.
    /// </summary>
    public async Task<uint> StartAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_starting)
            {
                throw new TaskException(TaskErrorKind.FailedPrecondition, $"container {Id} is already being started");
            }
            TaskTransitions.Check(Id, _state, TaskState.Running);
            _starting = true;
        }
        ExitStatus? pending;
        try
        {
            await _process.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            lock (_gate)
            {
                _starting = false;
                pending = TakePendingExit();
                if (pending is { } exit)
                {
                    Stop(exit);
                }
            }
            CompleteStopped(pending);
            throw;
        }
        lock (_gate)
        {
            _starting = false;
            _state = TaskTransitions.Check(Id, _state, TaskState.Running);
            _stdio.CloseProcessStdin();
            _events.Publish("/tasks/start", new TaskStart { ContainerId = Id, Pid = (uint)Pid });
            pending = TakePendingExit();
            if (pending is { } exit)
            {
                Stop(exit);
            }
        }
        CompleteStopped(pending);
        return (uint)Pid;
    }

    public void Kill(uint signal, bool all)
    {
        lock (_gate)
        {
            if (_state is TaskState.Stopped or TaskState.Deleted)
            {
                throw ProcessFinished();
            }
        }
        if (!_process.Signal((int)signal, all))
        {
            throw ProcessFinished();
        }
    }

    public void CloseStdin() => _stdio.CloseStdin();

    public IReadOnlyList<int> Pids() => _process.Pids();

    public void Pause()
    {
        var cgroup = RequireCgroup("pause");
        lock (_gate)
        {
            TaskTransitions.Check(Id, _state, TaskState.Paused);
        }
        cgroup.Freeze();
        lock (_gate)
        {
            _state = TaskTransitions.Check(Id, _state, TaskState.Paused);
            _events.Publish("/tasks/paused", new TaskPaused { ContainerId = Id });
        }
    }

    public void Resume()
    {
        var cgroup = RequireCgroup("resume");
        lock (_gate)
        {
            RequirePausedToResume();
        }
        cgroup.Thaw();
        lock (_gate)
        {
            RequirePausedToResume();
            _state = TaskTransitions.Check(Id, _state, TaskState.Running);
            _events.Publish("/tasks/resumed", new TaskResumed { ContainerId = Id });
        }
    }

    public Cgroups.ICgroup RequireCgroup(string what) =>
        Cgroup ?? throw new TaskException(TaskErrorKind.FailedPrecondition,
            $"container {Id} has no cgroup (linux.cgroupsPath is empty): cannot {what}");

    /// <summary>Releases everything of a stopped or never-started task; the caller removes it from the table.</summary>
    public async Task<ExitStatus> DeleteAsync()
    {
        TaskState state;
        lock (_gate)
        {
            state = _state;
            if (_starting || state is TaskState.Running or TaskState.Paused)
            {
                throw new TaskException(TaskErrorKind.FailedPrecondition, $"cannot delete a running process: container {Id} is running");
            }
            if (state == TaskState.Deleted)
            {
                throw new TaskException(TaskErrorKind.NotFound, $"container {Id}: not found (already deleted)");
            }
        }
        if (state == TaskState.Created)
        {
            // Never started: end the held process so nothing of it runs.
            _process.Signal(9, all: true);
        }
        var exit = await Stopped.ConfigureAwait(false);
        _stdio.Dispose();
        _oomWatch?.Dispose();
        var cleaned = await _process.CleanupAsync().ConfigureAwait(false);
        _forgetPid(Pid);
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
        lock (_gate)
        {
            _state = TaskTransitions.Check(Id, _state, TaskState.Deleted);
            _events.Publish("/tasks/delete", new TaskDelete
            {
                ContainerId = Id,
                Pid = (uint)Pid,
                ExitStatus = exit.Code,
                ExitedAt = Timestamp.FromDateTimeOffset(exit.At),
            });
        }
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
            if (_starting)
            {
                // StartAsync publishes it after TaskStart.
                _pendingExit = exit;
                return;
            }
            Stop(exit);
        }
        CompleteStopped(exit);
    }

    /// <summary>Under <see cref="_gate"/>: STOPPED, output released, exit file written, TaskExit published.</summary>
    private void Stop(ExitStatus exit)
    {
        _state = TaskTransitions.Check(Id, _state, TaskState.Stopped);
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

    // Outside the lock: Wait's continuations must not run under it.
    private void CompleteStopped(ExitStatus? exit)
    {
        if (exit is { } e)
        {
            _stopped.TrySetResult(e);
        }
    }

    private ExitStatus? TakePendingExit()
    {
        var pending = _pendingExit;
        _pendingExit = null;
        return pending;
    }

    // Running -> Running is no transition, and Created -> Running is Start's, not Resume's.
    private void RequirePausedToResume()
    {
        if (_state != TaskState.Paused)
        {
            throw new TaskException(TaskErrorKind.FailedPrecondition,
                $"container {Id} is {TaskTransitions.Name(_state)}, not paused: cannot resume it");
        }
    }

    private static TaskException ProcessFinished() => new(TaskErrorKind.NotFound, "process already finished: not found");

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
