using System.Diagnostics;
using System.Net.Sockets;

namespace Wasmcell.Ttrpc.Tests.Infrastructure;

/// <summary>
/// A throw-away containerd (the Go ttrpc peer we must interoperate with) with its own config, root, state
/// and sockets in a temp directory. It never reads /etc/containerd (an explicit --config is always passed)
/// and loads no CRI, opt or tracing plugin. Needs root, which tests have here and in CI.
/// </summary>
internal sealed class PrivateContainerd : IAsyncDisposable
{
    private readonly SocketDirectory _directory = new();
    private readonly Process _process;

    private PrivateContainerd()
    {
        string dir = _directory.Path;
        string config = Path.Combine(dir, "config.toml");
        File.WriteAllText(config, $"""
            version = 2
            root = "{dir}/root"
            state = "{dir}/state"
            disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.btrfs",
              "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs",
              "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
            [grpc]
              address = "{dir}/c.sock"
            """);
        TtrpcAddress = Path.Combine(dir, "c.sock.ttrpc");
        var start = new ProcessStartInfo("containerd", ["--config", config])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("containerd did not start");
        _process.ErrorDataReceived += (_, _) => { };
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    /// <summary>containerd's ttrpc socket (grpc address + ".ttrpc"), where shims publish events.</summary>
    public string TtrpcAddress { get; }

    public static async Task<PrivateContainerd> StartAsync()
    {
        var containerd = new PrivateContainerd();
        // The socket file appears at bind(), before listen(): only a connect that succeeds means "serving".
        await Eventually.TrueAsync(() => Accepts(containerd.TtrpcAddress) || containerd._process.HasExited, "containerd serving ttrpc");
        Assert.False(containerd._process.HasExited, "containerd exited at startup");
        return containerd;
    }

    private static bool Accepts(string socketPath)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(socketPath));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(); // only the process this fixture started, by its own handle
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        _process.Dispose();
        _directory.Dispose();
    }
}
