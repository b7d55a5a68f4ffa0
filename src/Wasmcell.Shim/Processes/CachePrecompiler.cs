using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using Wasmcell.Cell.Protocol;
using Wasmcell.Linux;

namespace Wasmcell.Shim.Processes;

/// <summary>
/// Fills the precompile cache after a cell's miss, and records its hits. Cells see the cache read-only (no cell may write code another
/// cell will run), so the daemon starts the cell binary in <see cref="CellLaunch.PrecompileMode"/>, in a sandbox of
/// its own holding only the module's rootfs (read-only) and the cache (CellSandboxPlan.ForPrecompile). It runs
/// beside the container, off its start path; the next container of the image starts from the cache.
/// </summary>
public static class CachePrecompiler
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);
    private static readonly ConcurrentDictionary<Task, byte> Running = new();

    /// <summary>Starts compiling <paramref name="entry"/> of <paramref name="rootfs"/> into the cache; failures are only logged.</summary>
    public static void Start(string bundle, string rootfs, string entry, ShimLog log)
    {
        var files = SandboxedSpawn.Files;
        if (files.PrecompileCache is not { } cache)
        {
            return;
        }
        Task run;
        try
        {
            // The cache's root must exist to be bound into the sandbox; the compile makes the rest.
            Directory.CreateDirectory(cache, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var (statusR, statusW) = UnixSockets.Pair();
            int spawned;
            try
            {
                // Its complaints go where the daemon's do: containerd's log.
                spawned = SandboxedSpawn.Start([CellLaunch.PrecompileMode, rootfs, entry],
                    Cell.Protocol.CellSandboxPlan.ForPrecompile(bundle, rootfs, files), [-1, -1, 2, -1, statusW]);
            }
            catch
            {
                Libc.Close(statusR);
                throw;
            }
            finally
            {
                Libc.Close(statusW);
            }
            run = AwaitAsync(new Socket(new SafeSocketHandle(statusR, ownsHandle: true)), spawned, entry, log);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or NotSupportedException)
        {
            log.Warn($"cannot precompile {entry} into {cache}: {e.Message}");
            return;
        }
        Running.TryAdd(run, 0);
        run.ContinueWith(t => Running.TryRemove(t, out _), TaskScheduler.Default);
    }

    /// <summary>A cell's hit, recorded as the entry's last use (cells cannot write the cache).</summary>
    public static void RecordHit(string key)
    {
        if (SandboxedSpawn.Files.PrecompileCache is { } cache)
        {
            Runtime.Cache.PrecompileCache.RecordUse(cache, key);
        }
    }

    /// <summary>At the daemon's exit: gives running compiles (its children) up to <paramref name="timeout"/> to finish.</summary>
    public static async Task WaitAsync(TimeSpan timeout)
    {
        var all = Running.Keys.ToArray();
        if (all.Length > 0)
        {
            await Task.WhenAny(Task.WhenAll(all), Task.Delay(timeout)).ConfigureAwait(false);
        }
    }

    private static async Task AwaitAsync(Socket channel, int spawned, string entry, ShimLog log)
    {
        using var _ = channel;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int pid;
        try
        {
            using var deadline = new CancellationTokenSource(Limit);
            pid = await SandboxedSpawn.AwaitPidAsync(channel, new StringBuilder(), spawned, deadline.Token).ConfigureAwait(false);
        }
        catch (CellCreateException e)
        {
            log.Warn($"precompile of {entry} did not start: {e.Message}");
            return;
        }
        var exited = ChildReaper.Instance.WaitAsync(pid);
        if (await Task.WhenAny(exited, Task.Delay(Limit)).ConfigureAwait(false) != exited)
        {
            Libc.Kill(pid, Signals.SIGKILL);
        }
        var status = await exited.ConfigureAwait(false);
        ChildReaper.Instance.Forget(pid);
        if (status.Code == 0)
        {
            log.Info($"precompiled {entry} into the cache in {clock.Elapsed.TotalMilliseconds:0} ms");
        }
        else
        {
            log.Warn($"precompile of {entry} failed (status {status.Code})");
        }
    }
}
