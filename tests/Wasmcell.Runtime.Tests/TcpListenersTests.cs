using System.Net;
using System.Net.Sockets;
using Wasmcell.Runtime;

namespace Wasmcell.Runtime.Tests;

public sealed class TcpListenersTests
{
    [Theory]
    [InlineData(":8080", "0.0.0.0:8080")]
    [InlineData("127.0.0.1:9000", "127.0.0.1:9000")]
    [InlineData("tcp://0.0.0.0:80", "0.0.0.0:80")]
    [InlineData("[::1]:7000", "[::1]:7000")]
    public void Parses_addresses(string input, string expected) => Assert.Equal(expected, TcpListeners.Parse(input).ToString());

    [Theory]
    [InlineData("8080")]
    [InlineData(":0")]
    [InlineData("host:port")]
    public void Rejects_bad_addresses_with_the_input(string input)
    {
        var ex = Assert.Throws<ArgumentException>(() => TcpListeners.Parse(input));
        Assert.Contains(input, ex.Message);
    }

    [Fact]
    public void Listen_all_opens_every_address_and_accepts_connections()
    {
        var sockets = TcpListeners.ListenAll("127.0.0.1:0".Replace(":0", ":" + FreePort()) + ", 127.0.0.1:" + FreePort());
        try
        {
            Assert.Equal(2, sockets.Count);
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            client.Connect((IPEndPoint)sockets[1].LocalEndPoint!);
            using var accepted = sockets[1].Accept();
            Assert.True(accepted.Connected);
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }

    private static int FreePort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }
}
