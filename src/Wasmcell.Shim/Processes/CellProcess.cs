using System.Net.Sockets;
using System.Text;
using Wasmcell.Cell.Protocol;
using Wasmcell.Cgroups;
using Wasmcell.Linux;

namespace Wasmcell.Shim.Processes;

/// <summary>
/// A Wasm container's process: the cell binary (ShimBinaries.Cell). It loads and compiles the
/// module, joins the container's namespaces, reports "ready" (or the error) on its status channel and then
/// waits at a start barrier, so Create reports bad modules and Start costs one write (design.md). When its
/// guest has finished it reports the exit on the same channel (CellStatus).
/// </summary>
public sealed class CellProcess : ITaskProcess
{
    // A cell that reported its exit is tearing down; one still there after this is killed.
    private static readonly TimeSpan TeardownGrace = TimeSpan.FromSeconds(5);

    private int _barrier;
    private readonly Task<(string Line, Socket? Channel)> _status;
    private readonly Task<ExitStatus> _reaped;
    // Completed on a thread-pool thread (the reaper's continuation or the channel's receive), so its
    // awaiters run there directly.
    private readonly TaskCompletionSource<ExitStatus> _exited = new();

    private CellProcess(int pid, int barrier, Task<(string Line, Socket? Channel)> status, bool bornInCgroup)
    {
        Pid = pid;
        _barrier = barrier;
        _status = status;
        BornInCgroup = bornInCgroup;
        _reaped = ChildReaper.Instance.WaitAsync(pid);
        _reaped.ContinueWith(t => _exited.TrySetResult(t.Result), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public int Pid { get; }

    /// <summary>The guest's exit as the cell reported it, or the cell's wait status if it died without reporting.</summary>
    public Task<ExitStatus> Exited => _exited.Task;

    /// <summary>What the cell reported with its "OK" (its own start-up phases).</summary>
    public string ReadyReport { get; private set; } = "";

    /// <summary>True when the cell was born in its cgroup (v1); otherwise the caller moves it in once ready.</summary>
    public bool BornInCgroup { get; }

    /// <summary>
    /// Spawns the cell from the calling thread, which on v1 first steps into <paramref name="cgroup"/> so the
    /// cell is born there (ICgroup.TryEnterWithCurrentThread: between the steps it starts no thread and queues
    /// no work). The cell's sandbox (<paramref name="plan"/>) is set up before this returns with the cell's pid;
    /// the cell then loads at once, and the caller must await <see cref="WaitReadyAsync"/>. Status lines arrive
    /// through the daemon's epoll thread, so no thread starts on this path (DedicatedThread).
    /// </summary>
    public static async Task<CellProcess> SpawnAsync(CellLaunch launch, CellSandboxPlan plan, int[] stdio, Cgroups.ICgroup? cgroup, TimeSpan readyTimeout)
    {
        var (barrierR, barrierW) = Libc.Pipe();
        int spawned;
        Socket status;
        IDisposable? inside = null;
        try
        {
            inside = cgroup?.TryEnterWithCurrentThread();
            // fd 3 in the cell: CellLaunch.BarrierFd (and 4, its status channel: CellLaunch.StatusFd).
            (spawned, status) = SandboxedSpawn.Start(launch.ToArgs(), plan, [stdio[0], stdio[1], stdio[2], barrierR]);
        }
        catch
        {
            Libc.Close(barrierW);
            throw;
        }
        finally
        {
            inside?.Dispose();
            Libc.Close(barrierR);
        }
        var pending = new StringBuilder();
        int pid;
        try
        {
            using var deadline = new CancellationTokenSource(readyTimeout);
            pid = await SandboxedSpawn.AwaitPidAsync(status, pending, spawned, deadline.Token).ConfigureAwait(false);
        }
        catch
        {
            status.Dispose();
            Libc.Close(barrierW);
            throw;
        }
        return new CellProcess(pid, barrierW, ReadFirstLineAsync(status, pending, readyTimeout), inside is not null);
    }

    /// <summary>
    /// Waits for the cell's "OK" (it is then held at the barrier). On "ERR", an early exit or a timeout the
    /// cell is killed and reaped, and <see cref="CellCreateException"/> carries its reason.
    /// </summary>
    public async Task WaitReadyAsync()
    {
        var (status, channel) = await _status.ConfigureAwait(false);
        if (channel is not null)
        {
            ReadyReport = status[CellStatus.Ready.Length..].Trim();
            _ = AwaitExitReportAsync(channel);
            return;
        }
        await AbandonAsync().ConfigureAwait(false);
        var message = status.StartsWith(CellStatus.Error, StringComparison.Ordinal) ? status[CellStatus.Error.Length..].Trim()
            : $"the cell exited before it was ready (status {(_reaped.IsCompleted ? _reaped.Result.Code : 0)})";
        throw new CellCreateException(message);
    }

    /// <summary>Kills a cell that will never start, reaps it and closes its barrier.</summary>
    public async Task AbandonAsync()
    {
        Libc.Kill(Pid, Signals.SIGKILL);
        await _reaped.ConfigureAwait(false);
        CloseBarrier();
        ChildReaper.Instance.Forget(Pid);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var fd = Interlocked.Exchange(ref _barrier, -1);
        if (fd < 0)
        {
            throw new InvalidOperationException("cell already started");
        }
        try
        {
            Libc.WriteAll(fd, "S"u8);
        }
        catch (IOException) when (Exited.IsCompleted)
        {
            // It died at the barrier (killed); Wait reports how.
        }
        finally
        {
            Libc.Close(fd);
        }
        return Task.CompletedTask;
    }

    public bool Signal(int signal, bool all) => !Exited.IsCompleted && Libc.Kill(Pid, signal) == 0;

    public IReadOnlyList<int> Pids() => Exited.IsCompleted ? [] : [Pid];

    /// <summary>Closes the barrier and waits until the cell is reaped (killing one whose teardown hangs).</summary>
    public async Task<bool> CleanupAsync()
    {
        CloseBarrier();
        try
        {
            await _reaped.WaitAsync(TeardownGrace).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Libc.Kill(Pid, Signals.SIGKILL);
            await _reaped.ConfigureAwait(false);
        }
        return true;
    }

    private void CloseBarrier() => Libc.CloseQuietly(Interlocked.Exchange(ref _barrier, -1));

    /// <summary>
    /// The status channel's line after the sandbox's: "OK ..." (the channel then stays open for the exit report),
    /// or, with the channel closed: the cell's "ERR ..." text, whatever it wrote before it died, or a timeout "ERR".
    /// </summary>
    private static async Task<(string Line, Socket? Channel)> ReadFirstLineAsync(Socket channel, StringBuilder pending, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        string? line;
        try
        {
            // The cell writes nothing after "OK" until Start, so the line is all there is to read.
            line = await SandboxedSpawn.ReadLineAsync(channel, pending, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            channel.Dispose();
            return ($"ERR the cell was not ready within {timeout.TotalSeconds:0} s", null);
        }
        if (line is not null && line.StartsWith(CellStatus.Ready, StringComparison.Ordinal))
        {
            return (line, channel);
        }
        channel.Dispose();
        return (line ?? "", null);
    }

    /// <summary>Completes <see cref="Exited"/> with the cell's "EXIT code" line; a cell that dies writes none.</summary>
    private async Task AwaitExitReportAsync(Socket channel)
    {
        using var socket = channel;
        var line = new byte[32];
        var used = 0;
        try
        {
            while (used < line.Length)
            {
                var n = await socket.ReceiveAsync(line.AsMemory(used), SocketFlags.None).ConfigureAwait(false);
                if (n == 0)
                {
                    return;
                }
                used += n;
                if (line.AsSpan(0, used).Contains((byte)'\n'))
                {
                    if (CellStatus.ParseExit(Encoding.ASCII.GetString(line, 0, used)) is uint code)
                    {
                        _exited.TrySetResult(new ExitStatus(code, DateTimeOffset.UtcNow));
                    }
                    return;
                }
            }
        }
        catch (SocketException)
        {
            // The cell went away mid-line: its wait status is the exit.
        }
    }
}

/// <summary>The module or its environment was rejected by the cell at create.</summary>
public sealed class CellCreateException(string message) : Exception(message);
