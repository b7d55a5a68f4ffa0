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
    private const long MaxModuleBytes = 512L << 20;
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    // Not under /tmp: a directory anyone may create there could be a symlink to mount over.
    private const string RootDirectory = "/run/wasmcell/precompile-root";
    private static readonly ConcurrentDictionary<Task, byte> Running = new();

    /// <summary>
    /// Starts compiling <paramref name="entry"/> of <paramref name="rootfs"/> into the cache; failures are only
    /// logged. The module is read here, inside the rootfs, and handed over as a memory file: the container (and its
    /// rootfs) may be gone before the compile is done.
    /// </summary>
    /// <param name="sharedCell">Compile for a shared cell's engine (its cache entries are its own) rather than an independent cell's.</param>
    public static void Start(string rootfs, string entry, ShimLog log, bool sharedCell = false)
    {
        var files = SandboxedSpawn.PrepareFiles();
        if (files.PrecompileCache is not { } cache)
        {
            return;
        }
        Task run;
        try
        {
            // The empty directory its root is mounted on (in its own mount namespace, so one serves every compile).
            Directory.CreateDirectory(RootDirectory, PrivateDirectory);
            byte[] module;
            using (var root = Oci.RuntimeSpec.ContainerRootfs.Open(rootfs))
            using (var stream = root.OpenFile(entry))
            {
                module = stream.Length <= MaxModuleBytes ? ReadAll(stream)
                    : throw new InvalidDataException($"{entry} is {stream.Length} bytes, more than the {MaxModuleBytes} the cache takes");
                // The next cells of this image file then find its digest without hashing it.
                new Runtime.Cache.PrecompileCache(cache).RememberModule($"/proc/self/fd/{stream.SafeFileHandle.DangerousGetHandle()}", module);
            }
            var moduleFd = Libc.MemoryFile("module", module);
            try
            {
                // Its complaints go where the daemon's do: containerd's log.
                var (spawned, status) = SandboxedSpawn.Start(
                    sharedCell ? [CellLaunch.PrecompileMode, entry, CellLaunch.PrecompileForSharedCell] : [CellLaunch.PrecompileMode, entry],
                    CellSandboxPlan.ForPrecompile(RootDirectory, files),
                    [-1, -1, 2, -1], moduleFd);
                run = AwaitAsync(status, spawned, entry, log);
            }
            finally
            {
                Libc.Close(moduleFd);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or NotSupportedException
            or InvalidOperationException)
        {
            log.Warn($"cannot precompile {entry} into {cache}: {e.Message}");
            return;
        }
        Running.TryAdd(run, 0);
        run.ContinueWith(t => Running.TryRemove(t, out _), TaskScheduler.Default);
    }

    private static byte[] ReadAll(Stream stream)
    {
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>
    /// A cell's hit, recorded as the entry's last use (cells cannot write the cache), and the module file's digest
    /// remembered from the key, so the next cell of this image file need not hash it. Failures only cost that.
    /// </summary>
    public static void RecordHit(string key, string rootfs, string entry)
    {
        if (CellEnvironment.PrecompileDirectory(Environment.GetEnvironmentVariable) is not { } cache
            || !Runtime.Cache.PrecompileCache.RecordUse(cache, key))
        {
            return;
        }
        try
        {
            using var root = Oci.RuntimeSpec.ContainerRootfs.Open(rootfs);
            using var stream = root.OpenFile(entry);
            new Runtime.Cache.PrecompileCache(cache).RememberModuleOfKey($"/proc/self/fd/{stream.SafeFileHandle.DangerousGetHandle()}", key);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
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
