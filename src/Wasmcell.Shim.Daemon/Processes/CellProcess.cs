using System.Text;
using Wasmcell.Shim.Interop;

namespace Wasmcell.Shim.Processes;

/// <summary>
/// A Wasm container's process: the cell binary (ShimBinaries.Cell). It loads and compiles the
/// module, joins the container's namespaces, reports "ready" (or the error) on its status pipe and then
/// waits at a start barrier, so Create reports bad modules and Start costs one write (design.md).
/// </summary>
internal sealed class CellProcess : ITaskProcess
{
    private int _barrier;
    private readonly Task<string> _status;

    private CellProcess(int pid, int barrier, Task<string> status, bool bornInCgroup)
    {
        Pid = pid;
        _barrier = barrier;
        _status = status;
        BornInCgroup = bornInCgroup;
        Exited = ChildReaper.Instance.WaitAsync(pid);
    }

    public int Pid { get; }

    public Task<ExitStatus> Exited { get; }

    /// <summary>What the cell reported with its "OK" (its own start-up phases).</summary>
    public string ReadyReport { get; private set; } = "";

    /// <summary>True when the cell was born in its cgroup (v1); otherwise the caller moves it in once ready.</summary>
    public bool BornInCgroup { get; }

    /// <summary>
    /// Spawns the cell from one dedicated thread, which then waits for its status line. On v1 the thread
    /// first steps into <paramref name="cgroup"/> so the cell is born there (ICgroup.TryEnterWithCurrentThread).
    /// The cell starts loading at once; the caller must await <see cref="WaitReadyAsync"/>. One thread and no
    /// timer: each thread a .NET process starts spins until it runs, which on a busy 2-core host cost
    /// Create 1-4 ms per thread.
    /// </summary>
    public static async Task<CellProcess> SpawnAsync(CellLaunch launch, int[] stdio, Cgroups.ICgroup? cgroup, TimeSpan readyTimeout)
    {
        var cellBinary = ShimBinaries.Cell;
        var (barrierR, barrierW) = Libc.Pipe();
        var (statusR, statusW) = Libc.Pipe();
        var spawned = new TaskCompletionSource<(int Pid, bool BornInside)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var status = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        (int Pid, bool BornInside) Spawn()
        {
            IDisposable? inside = null;
            try
            {
                inside = cgroup?.TryEnterWithCurrentThread();
                // fds 3 and 4 in the cell: CellLaunch.BarrierFd and StatusFd.
                var pid = PosixSpawn.Start(cellBinary, [cellBinary, .. launch.ToArgs()], PosixSpawn.CurrentEnvironment(),
                    [stdio[0], stdio[1], stdio[2], barrierR, statusW], newSession: false);
                return (pid, inside is not null);
            }
            finally
            {
                inside?.Dispose();
                Libc.Close(barrierR);
                Libc.Close(statusW);
            }
        }
        var thread = new Thread(() =>
        {
            (int Pid, bool BornInside) child;
            try
            {
                child = Spawn();
            }
            catch (Exception e)
            {
                Libc.Close(statusR);
                spawned.SetException(e);
                return;
            }
            spawned.SetResult(child);
            try
            {
                status.SetResult(ReadStatus(statusR, readyTimeout));
            }
            catch (Exception e)
            {
                status.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "cell-launch",
        };
        thread.Start();
        try
        {
            var (pid, bornInside) = await spawned.Task.ConfigureAwait(false);
            return new CellProcess(pid, barrierW, status.Task, bornInside);
        }
        catch
        {
            Libc.Close(barrierW);
            throw;
        }
    }

    /// <summary>
    /// Waits for the cell's "OK" (it is then held at the barrier). On "ERR", an early exit or a timeout the
    /// cell is killed and reaped, and <see cref="CellCreateException"/> carries its reason.
    /// </summary>
    public async Task WaitReadyAsync()
    {
        var status = await _status.ConfigureAwait(false);
        if (status.StartsWith("OK", StringComparison.Ordinal))
        {
            ReadyReport = status[2..].Trim();
            return;
        }
        await AbandonAsync().ConfigureAwait(false);
        var message = status.StartsWith("ERR ", StringComparison.Ordinal) ? status[4..].Trim()
            : $"the cell exited before it was ready (status {(Exited.IsCompleted ? Exited.Result.Code : 0)})";
        throw new CellCreateException(message);
    }

    /// <summary>Kills a cell that will never start, reaps it and closes its barrier.</summary>
    public async Task AbandonAsync()
    {
        Libc.Kill(Pid, 9);
        await Exited.ConfigureAwait(false);
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

    public Task<bool> CleanupAsync()
    {
        CloseBarrier();
        return Task.FromResult(true);
    }

    private void CloseBarrier() => Libc.CloseQuietly(Interlocked.Exchange(ref _barrier, -1));

    /// <summary>The status pipe's text up to EOF (the cell closes it after reporting, or dies), or a timeout "ERR".</summary>
    private static string ReadStatus(int fd, TimeSpan timeout)
    {
        try
        {
            var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
            var sb = new StringBuilder();
            var buf = new byte[4096];
            while (sb.Length < 64 * 1024)
            {
                var left = deadline - Environment.TickCount64;
                if (left <= 0 || !Libc.WaitReadable(fd, (int)Math.Min(left, int.MaxValue)))
                {
                    return $"ERR the cell was not ready within {timeout.TotalSeconds:0} s";
                }
                var n = Libc.ReadSome(fd, buf);
                if (n == 0)
                {
                    break;
                }
                sb.Append(Encoding.UTF8.GetString(buf, 0, n));
            }
            return sb.ToString();
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}

/// <summary>The module or its environment was rejected by the cell at create.</summary>
internal sealed class CellCreateException(string message) : Exception(message);
