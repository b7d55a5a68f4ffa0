using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using Wasmcell.Cell.Protocol;
using Wasmcell.Linux;

namespace Wasmcell.Shim.Processes;

/// <summary>
/// The daemon's shared cell (issue 13's shared mode): one sandboxed cell process, started with the first shared
/// container, that hosts every shared container of this daemon as a store and a guest thread each. Commands and
/// reports travel on a SOCK_SEQPACKET channel (SharedCellMessage); each container's rootfs, binds and stdio go over
/// it as fds. When the process dies, all its containers exit with <see cref="DiedExitCode"/> and the next
/// container starts a new one.
/// </summary>
public sealed class SharedCell
{
    /// <summary>The exit code of the containers of a shared cell that died (killed, crashed): none of their own.</summary>
    public const uint DiedExitCode = 255;

    // Not under /tmp: a directory anyone may create there could be a symlink to mount over.
    private const string RootDirectory = "/run/wasmcell/shared-root";
    private static readonly SemaphoreSlim Spawning = new(1, 1);
    private static SharedCell? _current;

    private readonly Socket _control;
    private readonly ConcurrentDictionary<string, SharedTenantProcess> _tenants = new(StringComparer.Ordinal);
    private readonly Lock _sending = new();
    private readonly ShimLog _log;
    private volatile bool _dead;

    private SharedCell(int pid, Socket control, ShimLog log)
    {
        Pid = pid;
        _control = control;
        _log = log;
        _ = ReceiveAsync();
        ChildReaper.Instance.WaitAsync(pid).ContinueWith(t => Died(t.Result), TaskScheduler.Default);
    }

    public int Pid { get; }

    /// <summary>The live shared cell, started now if there is none (or the last one died).</summary>
    public static async Task<SharedCell> GetAsync(ShimLog log, TimeSpan readyTimeout)
    {
        await Spawning.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_current is { _dead: false } live)
            {
                return live;
            }
            _current = await SpawnAsync(log, readyTimeout).ConfigureAwait(false);
            return _current;
        }
        finally
        {
            Spawning.Release();
        }
    }

    private static async Task<SharedCell> SpawnAsync(ShimLog log, TimeSpan readyTimeout)
    {
        Directory.CreateDirectory(RootDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var (mine, theirs) = FdChannel.Pair();
        int spawned;
        Socket status;
        try
        {
            // Its complaints go where the daemon's do.
            (spawned, status) = SandboxedSpawn.Start([SharedCellMessage.Mode], CellSandboxPlan.ForShared(RootDirectory, SandboxedSpawn.PrepareFiles()),
                [-1, -1, 2, theirs]);
        }
        catch
        {
            Libc.CloseQuietly(mine);
            throw;
        }
        finally
        {
            Libc.CloseQuietly(theirs);
        }
        var control = new Socket(new SafeSocketHandle(mine, ownsHandle: true));
        using (status)
        {
            var pending = new StringBuilder();
            using var deadline = new CancellationTokenSource(readyTimeout);
            int pid;
            try
            {
                pid = await SandboxedSpawn.AwaitPidAsync(status, pending, spawned, deadline.Token).ConfigureAwait(false);
            }
            catch
            {
                control.Dispose();
                throw;
            }
            string? line;
            try
            {
                line = await SandboxedSpawn.ReadLineAsync(status, pending, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                line = $"{CellStatus.Error}not ready within {readyTimeout.TotalSeconds:0} s";
            }
            if (line is null || !line.StartsWith(CellStatus.Ready, StringComparison.Ordinal))
            {
                Libc.Kill(pid, Signals.SIGKILL);
                await ChildReaper.Instance.WaitAsync(pid).ConfigureAwait(false);
                ChildReaper.Instance.Forget(pid);
                control.Dispose();
                throw new CellCreateException("the shared cell did not start: " + (line?.StartsWith(CellStatus.Error, StringComparison.Ordinal) == true ? line[CellStatus.Error.Length..] : line ?? "it exited"));
            }
            log.Info($"shared cell {pid}{line[CellStatus.Ready.Length..]}");
            return new SharedCell(pid, control, log);
        }
    }

    /// <summary>
    /// Hands a container to the cell (<paramref name="fds"/> in <see cref="SharedCellMessage"/>'s ADD order, copied:
    /// the caller closes its own) and waits until it is loaded, held before its start.
    /// </summary>
    public async Task<SharedTenantProcess> AddAsync(string id, string entry, string? function, IReadOnlyList<SharedCellMessage.Bind> binds,
        int listeners, IReadOnlyList<int> fds, ulong pidsLimit, TimeSpan readyTimeout)
    {
        var tenant = new SharedTenantProcess(this, id, pidsLimit);
        if (!_tenants.TryAdd(id, tenant))
        {
            throw new InvalidOperationException($"container {id} is already in the shared cell");
        }
        try
        {
            Send(SharedCellMessage.EncodeAdd(id, entry, function, binds, listeners), fds);
            await tenant.Ready.WaitAsync(readyTimeout).ConfigureAwait(false);
            return tenant;
        }
        catch (TimeoutException)
        {
            _tenants.TryRemove(id, out _);
            Send(SharedCellMessage.Encode(SharedCellMessage.Drop, id), []);
            throw new CellCreateException($"the shared cell did not load {entry} within {readyTimeout.TotalSeconds:0} s");
        }
        catch
        {
            _tenants.TryRemove(id, out _);
            throw;
        }
    }

    /// <summary>Sends a command; false when the cell is gone.</summary>
    internal bool TrySend(params string[] fields)
    {
        try
        {
            Send(SharedCellMessage.Encode(fields), []);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    internal void Forget(string id) => _tenants.TryRemove(id, out _);

    private void Send(byte[] message, IReadOnlyList<int> fds)
    {
        if (_dead)
        {
            throw new IOException($"the shared cell {Pid} is gone");
        }
        lock (_sending)
        {
            FdChannel.Send((int)_control.Handle, message, fds.ToArray());
        }
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[SharedCellMessage.MaxBytes];
        try
        {
            while (true)
            {
                var n = await _control.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
                if (n == 0)
                {
                    return;
                }
                var fields = SharedCellMessage.Decode(buffer.AsSpan(0, n));
                if (fields.Length < 2 || !_tenants.TryGetValue(fields[1], out var tenant))
                {
                    continue;
                }
                var rest = fields.Length > 2 ? string.Join('\t', fields[2..]) : "";
                switch (fields[0])
                {
                    case SharedCellMessage.Ready:
                        tenant.OnReady(rest);
                        break;
                    case SharedCellMessage.Error:
                        tenant.OnError(rest);
                        break;
                    case SharedCellMessage.Usage:
                        tenant.OnUsage(TenantUsage.Decode(fields, 2));
                        break;
                    case SharedCellMessage.OutOfMemory:
                        tenant.OnOutOfMemory();
                        break;
                    case SharedCellMessage.Exit when fields.Length > 2 && uint.TryParse(fields[2], out var code):
                        tenant.OnExit(code, TenantUsage.Decode(fields, 3));
                        break;
                }
            }
        }
        catch (SocketException)
        {
            // The cell is gone; the reaper reports how.
        }
    }

    private void Died(ExitStatus status)
    {
        _dead = true;
        ChildReaper.Instance.Forget(Pid);
        _control.Dispose();
        var orphans = _tenants.Values.ToList();
        _tenants.Clear();
        _log.Warn($"shared cell {Pid} died (wait status {status.Code}); its {orphans.Count} container(s) exit {DiedExitCode}: {string.Join(", ", orphans.Select(t => t.Id))}");
        foreach (var tenant in orphans)
        {
            tenant.OnCellDied(Pid);
        }
    }
}
