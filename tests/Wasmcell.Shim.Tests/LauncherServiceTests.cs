using System.Net.Sockets;
using Containerd.Task.V2;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Wasmcell.Linux;
using Wasmcell.Ttrpc;

namespace Wasmcell.Shim.Tests;

/// <summary>`start`'s question to a daemon serving its group, against a real ttrpc server on a unix socket.</summary>
public sealed class LauncherServiceTests : IAsyncDisposable
{
    private readonly TempDir _dir = new("wasmcell-launcher-");
    private readonly List<IAsyncDisposable> _servers = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
        _dir.Dispose();
    }

    [Fact]
    public async Task A_daemon_that_takes_the_container_is_Accepted_and_hears_its_id()
    {
        string? expected = null;
        var path = await ServeAsync("a.sock", request =>
        {
            expected = request.Id;
            return new Empty();
        });

        Assert.Equal(LauncherService.Answer.Accepted, LauncherService.AskToExpect(path, "c1"));
        Assert.Equal("c1", expected);
    }

    [Fact]
    public async Task A_retiring_daemon_is_Retiring()
    {
        var path = await ServeAsync("r.sock", _ => throw new TtrpcException(StatusCode.FailedPrecondition, "retiring"));

        Assert.Equal(LauncherService.Answer.Retiring, LauncherService.AskToExpect(path, "c1"));
    }

    [Fact]
    public void A_stale_socket_file_is_Nobody()
    {
        var path = _dir["stale.sock"];
        Libc.Close(UnixSockets.Listen(path, 1)); // the file stays, nothing accepts (a .NET Socket would unlink it)

        Assert.True(File.Exists(path));
        Assert.Equal(LauncherService.Answer.Nobody, LauncherService.AskToExpect(path, "c1"));
    }

    private async Task<string> ServeAsync(string name, Func<ConnectRequest, IMessage> expect)
    {
        var path = _dir[name];
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(4);
        var server = new TtrpcServer();
        server.Register(LauncherService.Name, LauncherService.Expect, ConnectRequest.Parser, (request, _) => Task.FromResult(expect(request)));
        var stop = new CancellationTokenSource();
        var serving = server.ServeAsync(listener, stop.Token);
        _servers.Add(new Stopper(server, stop, serving, listener));
        await Task.Yield();
        return path;
    }

    private sealed class Stopper(TtrpcServer server, CancellationTokenSource stop, Task serving, Socket listener) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await server.DisposeAsync();
            stop.Cancel();
            await serving.WaitAsync(TimeSpan.FromSeconds(10));
            listener.Dispose();
            stop.Dispose();
        }
    }
}
