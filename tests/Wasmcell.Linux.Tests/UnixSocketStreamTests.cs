using System.Net.Sockets;
using Wasmcell.Linux;

namespace Wasmcell.Linux.Tests;

public sealed class UnixSocketStreamTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("wasmcell-unixsock-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Connects_and_carries_bytes_both_ways()
    {
        var path = Path.Join(_dir, "s.sock");
        using var listener = Listen(path);

        using var stream = UnixSockets.TryConnect(path, TimeSpan.FromSeconds(5));
        using var peer = listener.Accept();
        Assert.NotNull(stream);
        stream.Write("ping"u8);
        var got = new byte[16];
        Assert.Equal("ping", System.Text.Encoding.UTF8.GetString(got, 0, peer.Receive(got)));
        peer.Send("pong"u8);
        Assert.Equal("pong", System.Text.Encoding.UTF8.GetString(got, 0, stream.Read(got)));
        peer.Shutdown(SocketShutdown.Both);
        Assert.Equal(0, stream.Read(got));
    }

    [Fact]
    public void Nobody_listening_is_null_for_a_missing_path_and_for_a_stale_socket_file()
    {
        var stale = Path.Join(_dir, "stale.sock");
        Libc.Close(UnixSockets.Listen(stale, 1)); // the file stays, nothing accepts (a .NET Socket would unlink it)

        Assert.Null(UnixSockets.TryConnect(Path.Join(_dir, "none.sock"), TimeSpan.FromSeconds(1)));
        Assert.True(File.Exists(stale));
        Assert.Null(UnixSockets.TryConnect(stale, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void A_read_the_peer_never_answers_times_out_as_an_IOException_wrapping_a_TimeoutException()
    {
        var path = Path.Join(_dir, "silent.sock");
        using var listener = Listen(path);

        using var stream = UnixSockets.TryConnect(path, TimeSpan.FromMilliseconds(200));
        using var peer = listener.Accept();
        var error = Assert.Throws<IOException>(() => stream!.Read(new byte[4]));

        Assert.IsType<TimeoutException>(error.InnerException);
    }

    private static Socket Listen(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        socket.Listen(4);
        return socket;
    }
}
