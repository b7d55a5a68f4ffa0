using System.Net.Sockets;

namespace Wasmcell.Ttrpc.Tests.Infrastructure;

/// <summary>A listening socket that hands out raw accepted connections, to play a hand-scripted server.</summary>
internal sealed class RawServer : IDisposable
{
    private readonly TempDir _directory = new("wasmcell-ttrpc-test-");
    private readonly Socket _listener;

    public RawServer()
    {
        Path = _directory["s.sock"];
        _listener = TestServer.Listen(Path);
    }

    public string Path { get; }

    public async Task<RawConnection> AcceptAsync() =>
        new(await _listener.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(10)));

    public void Dispose()
    {
        _listener.Dispose();
        _directory.Dispose();
    }
}
