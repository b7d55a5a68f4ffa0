using System.Net.Sockets;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Wasmcell.Ttrpc;
using Containerd.Services.Events.Ttrpc.V1;

namespace Wasmcell.Bench.Stress;

/// <summary>
/// The part of containerd a shim talks back to: the ttrpc Events service at TTRPC_ADDRESS, where shims publish
/// /tasks/* events with Forward (SPEC §5.2; containerd 1.6's runc shim and ours both use it, not the publish
/// binary). Every event is accepted and counted.
/// </summary>
public sealed class FakeContainerd : IAsyncDisposable
{
    private readonly TtrpcServer _server = new();
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;
    private long _events;

    private FakeContainerd(string dir)
    {
        Dir = dir;
        // Never listened on: shims only hash it into their socket name and pass it on.
        Address = Path.Join(dir, "c.sock");
        TtrpcAddress = Path.Join(dir, "c.sock.ttrpc");
        File.Delete(TtrpcAddress);
        _server.Register("containerd.services.events.ttrpc.v1.Events", "Forward", ForwardRequest.Parser, (_, _) =>
        {
            Interlocked.Increment(ref _events);
            return Task.FromResult<IMessage>(new Empty());
        });
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(TtrpcAddress));
        _listener.Listen(512);
        _serving = _server.ServeAsync(_listener, _stop.Token);
    }

    public string Dir { get; }

    /// <summary>The -address a shim is given (containerd's gRPC socket; nothing listens there).</summary>
    public string Address { get; }

    /// <summary>TTRPC_ADDRESS: the events service.</summary>
    public string TtrpcAddress { get; }

    /// <summary>Events forwarded so far.</summary>
    public long Events => Interlocked.Read(ref _events);

    public static FakeContainerd Start(string dir)
    {
        Directory.CreateDirectory(dir);
        return new FakeContainerd(dir);
    }

    /// <summary>
    /// Stops the shims still running for this fake containerd (a shared daemon lingers after its last container;
    /// a failed task may leave one): the processes whose command line has our -address, SIGTERM, then SIGKILL
    /// after 5 s. Returns each one's pid and command line.
    /// </summary>
    public async Task<IReadOnlyList<string>> StopShimsAsync()
    {
        var pids = ShimPids();
        var described = pids.Select(pid => $"{pid} {CommandLine(pid)}").ToList();
        foreach (var pid in pids)
        {
            Native.Kill(pid, 15);
        }
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline && pids.Any(IsAlive))
        {
            await Task.Delay(50);
        }
        foreach (var pid in pids.Where(IsAlive))
        {
            Native.Kill(pid, 9);
        }
        return described;
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return "(gone)";
        }
    }

    private List<int> ShimPids()
    {
        var needle = $"\0-address\0{Address}\0";
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }
            try
            {
                if (File.ReadAllText(Path.Join(dir, "cmdline")).Contains(needle, StringComparison.Ordinal))
                {
                    pids.Add(pid);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return pids;
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            // A zombie (reaped by init later) counts as gone.
            return File.ReadAllLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("State:", StringComparison.Ordinal)) is { } state
                && !state.Contains('Z');
        }
        catch (IOException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _serving;
        await _server.DisposeAsync();
        File.Delete(TtrpcAddress);
        _stop.Dispose();
    }
}
