using System.Net.Sockets;

namespace Wasmcell.Ttrpc.Tests.Infrastructure;

/// <summary>A <see cref="TtrpcServer"/> serving on a real unix socket in its own temp directory.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly TempDir _directory = new("wasmcell-ttrpc-test-");
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();

    public TestServer()
    {
        Path = _directory["s.sock"];
        _listener = Listen(Path);
        Server = new TtrpcServer(Log.Enqueue);
        Serving = Server.ServeAsync(_listener, _stop.Token);
    }

    public string Path { get; }

    public TtrpcServer Server { get; }

    public Task Serving { get; }

    /// <summary>Lines the server logged; tests assert it stays quiet on ordinary disconnects.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Log { get; } = new();

    public static Socket Listen(string path)
    {
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(128);
        return listener;
    }

    public Task<TtrpcClient> ConnectAsync() => TtrpcClient.ConnectAsync(Path, CancellationToken.None);

    public async Task<RawConnection> ConnectRawAsync() => await RawConnection.ConnectAsync(Path);

    public void StopAccepting() => _stop.Cancel();

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _stop.Cancel();
        await Serving.WaitAsync(TimeSpan.FromSeconds(10));
        _listener.Dispose();
        _directory.Dispose();
    }
}
