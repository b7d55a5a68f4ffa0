using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Wasmcell.Cell.Protocol;
using Wasmcell.Linux;

namespace Wasmcell.Shim.Processes;

/// <summary>
/// Starts the cell binary, whose native pre-main applies a <see cref="CellSandboxPlan"/> before the .NET runtime
/// starts: the plan goes in on <see cref="CellLaunch.PlanFd"/>, and the first line on the status channel names the
/// pid the sandbox ended in. With a new pid namespace that is a child the spawned process cloned as the daemon's
/// own child (CLONE_PARENT) before it exited, so the reaper sees both.
/// </summary>
public static class SandboxedSpawn
{
    private static readonly Lazy<IReadOnlyList<string>> OpenSsl = new(CellSandboxPlan.FindOpenSsl);
    private static readonly Lazy<IReadOnlyList<string>> TrustStore = new(CellSandboxPlan.FindTrustStore);

    /// <summary>
    /// The files every sandboxed cell binds, from where the daemon runs. The precompile cache is made here if
    /// missing (its modes set, see <see cref="Runtime.Cache.PrecompileCache"/>): cells can only be given a cache that
    /// exists, and only the daemon's compiles fill it.
    /// </summary>
    /// <param name="component">For a WebAssembly component: the component cell (ShimBinaries.ComponentCell).</param>
    public static CellSandboxPlan.CellFiles PrepareFiles(bool component = false)
    {
        var cache = CellEnvironment.PrecompileDirectory(Environment.GetEnvironmentVariable);
        try
        {
            if (cache is not null)
            {
                _ = new Runtime.Cache.PrecompileCache(cache);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            cache = null;
        }
        // Only the component cell has a TLS client, so only it gets the host's CA certificates.
        return component ? new(ShimBinaries.ComponentCell, ShimBinaries.Wasmtime, cache, OpenSsl.Value, TrustStore.Value)
            : new(ShimBinaries.Cell, ShimBinaries.Wasmtime, cache, OpenSsl.Value);
    }

    /// <summary>
    /// Spawns the plan's cell binary with <paramref name="fds"/> as its fds 0-3, its status channel on fd 4
    /// (a socket pair, so the daemon reads it asynchronously), the plan on fd 5 and <paramref name="after"/> from
    /// fd 6 on. Returns the spawned pid and the daemon's end of the status channel.
    /// </summary>
    public static (int Pid, Socket Status) Start(IReadOnlyList<string> args, CellSandboxPlan plan, IReadOnlyList<int> fds, params IReadOnlyList<int> after)
    {
        var bytes = plan.ToBytes();
        var (statusR, statusW) = UnixSockets.Pair();
        var (planR, planW) = (-1, -1);
        try
        {
            (planR, planW) = Libc.Pipe();
            // Below a pipe's capacity (CellSandboxPlan.MaxBytes), so this never waits for the reader.
            Libc.WriteAll(planW, bytes);
            Libc.CloseQuietly(planW);
            planW = -1;
            var binary = plan.Binary;
            var pid = PosixSpawn.Start(binary, [binary, .. args], CellEnvironment.For(Environment.GetEnvironmentVariable),
                [.. fds, statusW, planR, .. after], newSession: false);
            return (pid, new Socket(new SafeSocketHandle(statusR, ownsHandle: true)));
        }
        catch
        {
            Libc.CloseQuietly(statusR);
            throw;
        }
        finally
        {
            Libc.CloseQuietly(statusW);
            Libc.CloseQuietly(planW);
            Libc.CloseQuietly(planR);
        }
    }

    /// <summary>
    /// Reads the "PID n" line (what follows it stays in <paramref name="pending"/>) and lets go of the spawned
    /// process when it only forked the cell. Anything else (the sandbox's "ERR ...", an exit, the deadline) kills
    /// and reaps what was spawned and is a <see cref="CellCreateException"/>.
    /// </summary>
    public static async Task<int> AwaitPidAsync(Socket channel, StringBuilder pending, int spawned, CancellationToken deadline)
    {
        var reaped = ChildReaper.Instance.WaitAsync(spawned);
        string? line;
        try
        {
            line = await ReadLineAsync(channel, pending, deadline).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            line = $"{CellStatus.Error}the cell's sandbox was not set up in time";
        }
        if (line is not null && line.StartsWith(CellStatus.Pid, StringComparison.Ordinal)
            && int.TryParse(line.AsSpan(CellStatus.Pid.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0)
        {
            if (pid != spawned)
            {
                await reaped.ConfigureAwait(false);
                ChildReaper.Instance.Forget(spawned);
            }
            return pid;
        }
        Libc.Kill(spawned, Signals.SIGKILL);
        var status = await reaped.ConfigureAwait(false);
        ChildReaper.Instance.Forget(spawned);
        throw new CellCreateException(line is not null && line.StartsWith(CellStatus.Error, StringComparison.Ordinal)
            ? line[CellStatus.Error.Length..].Trim()
            : $"the cell exited before its sandbox was set up (status {status.Code}{(string.IsNullOrEmpty(line) ? "" : $", after \"{line}\"")})");
    }

    /// <summary>One line without its newline, or null at EOF; bytes read past it stay in <paramref name="pending"/>.</summary>
    public static async Task<string?> ReadLineAsync(Socket channel, StringBuilder pending, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        while (true)
        {
            var text = pending.ToString();
            var newline = text.IndexOf('\n', StringComparison.Ordinal);
            if (newline >= 0)
            {
                pending.Remove(0, newline + 1);
                return text[..newline];
            }
            if (pending.Length > 64 * 1024)
            {
                return text;
            }
            int n;
            try
            {
                n = await channel.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                n = 0;
            }
            if (n == 0)
            {
                pending.Clear();
                return text.Length > 0 ? text : null;
            }
            pending.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
    }
}
