using System.Collections.Concurrent;
using Wasmcell.Linux;

namespace Wasmcell.Shim.Processes;

/// <summary>
/// Reaps every child of the shim with waitpid(-1): cells, runc invocations, and container inits that
/// runc leaves to us (the daemon is a child subreaper). Exits nobody waits for yet are kept, so a
/// fast child's status is never lost between spawn and <see cref="WaitAsync"/>.
/// </summary>
public sealed class ChildReaper
{
    private readonly ConcurrentDictionary<int, TaskCompletionSource<ExitStatus>> _waiters = new();
    private readonly SemaphoreSlim _childrenMayExist = new(0);
    private readonly Thread _thread;

    public static ChildReaper Instance { get; } = new();

    private ChildReaper()
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = "child-reaper" };
        _thread.Start();
    }

    /// <summary>Call right after spawning (before the child could be waited for elsewhere).</summary>
    public Task<ExitStatus> WaitAsync(int pid)
    {
        var tcs = _waiters.GetOrAdd(pid, _ => new TaskCompletionSource<ExitStatus>(TaskCreationOptions.RunContinuationsAsynchronously));
        _childrenMayExist.Release();
        return tcs.Task;
    }

    /// <summary>Wakes the loop after a child may have been adopted (runc's container init).</summary>
    public void Poke() => _childrenMayExist.Release();

    private unsafe void Loop()
    {
        while (true)
        {
            int status;
            var pid = Libc.WaitPid(-1, &status, 0);
            if (pid > 0)
            {
                var exit = ExitStatus.FromWaitStatus(status, DateTimeOffset.UtcNow);
                var tcs = _waiters.GetOrAdd(pid, _ => new TaskCompletionSource<ExitStatus>(TaskCreationOptions.RunContinuationsAsynchronously));
                tcs.TrySetResult(exit);
                continue;
            }
            var errno = Libc.Errno;
            if (errno == Errno.EINTR)
            {
                continue;
            }
            // ECHILD: nothing to reap until someone spawns (WaitAsync) or a grandchild is re-parented to us (Poke); the
            // timeout is only a safety net. At 200 ms, 1000 daemons whose containers had exited kept a 2-core host busy.
            _childrenMayExist.Wait(TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>Drops bookkeeping for a pid whose exit was consumed, so a reused pid starts fresh.</summary>
    public void Forget(int pid) => _waiters.TryRemove(pid, out _);
}
