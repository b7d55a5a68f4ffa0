using System.Net;
using System.Net.Sockets;
using Wasmcell.Emscripten.Tests.Infrastructure;
using Wasmcell.Wasi;

namespace Wasmcell.Emscripten.Tests;

/// <summary>
/// socketcall (102), select (142) and poll (168) at the ABI level (ABI.md §C.3, §C.4, §G.4, §G.6): what nginx's
/// event loop relies on — select honours its timeout, rewrites both sets and counts set bits; FIONBIO makes recv
/// answer -EAGAIN; accept writes the peer address; EOF is 0; a stop ends a select that waits forever.
/// </summary>
public sealed class SocketSyscallTests
{
    private const int EAGAIN = 11, EACCES = 13, FIONBIO = 0x5421;
    private static readonly int[] Syscalls = [6, 54, 102, 142, 146, 168];

    private static AbiGuest Guest(bool sockets = true) => new(new WasiOptions { AllowSocketExtension = sockets }, Syscalls);

    /// <summary>socket, SO_REUSEADDR, bind 127.0.0.1:0, listen; returns the fd and the port (getsockname).</summary>
    private static (int Fd, int Port) Listen(AbiGuest g)
    {
        var fd = g.Sys(102, 1, g.Words(2, 1, 0, 0, 0, 0));
        Assert.True(fd >= 3, $"socket: {fd}");
        Assert.Equal(0, g.Sys(102, 14, g.Words(fd, 1, 2, g.Words(1), 4, 0)));
        var addr = g.Alloc(16);
        g.Memory.WriteU16(addr, 2);
        g.Memory.Span(addr + 4, 4).Fill(0);
        g.Memory.WriteU8(addr + 4, 127);
        g.Memory.WriteU8(addr + 7, 1);
        Assert.Equal(0, g.Sys(102, 2, g.Words(fd, addr, 16, 0, 0, 0)));
        Assert.Equal(0, g.Sys(102, 4, g.Words(fd, 511, 0, 0, 0, 0)));
        var name = g.Alloc(16);
        Assert.Equal(0, g.Sys(102, 6, g.Words(fd, name, g.Words(16), 0, 0, 0)));
        return (fd, (g.Memory.ReadU8(name + 2) << 8) | g.Memory.ReadU8(name + 3));
    }

    private static int Select(AbiGuest g, int nfds, int readFd, int writeFd, int timeoutPtr, out int readSet, out int writeSet)
    {
        readSet = g.Alloc(128);
        writeSet = g.Alloc(128);
        if (readFd >= 0)
        {
            g.Memory.WriteU32(readSet + ((readFd >> 5) * 4), 1u << (readFd & 31));
        }
        if (writeFd >= 0)
        {
            g.Memory.WriteU32(writeSet + ((writeFd >> 5) * 4), 1u << (writeFd & 31));
        }
        return g.Sys(142, nfds, readSet, writeSet, 0, timeoutPtr);
    }

    private static bool IsSet(AbiGuest g, int set, int fd) => (g.Memory.ReadU32(set + ((fd >> 5) * 4)) & (1u << (fd & 31))) != 0;

    [Fact]
    public void Select_times_out_with_0_and_clears_the_sets()
    {
        using var g = Guest();
        var (fd, _) = Listen(g);
        Assert.Equal(0, Select(g, fd + 1, fd, -1, g.Words(0, 30_000), out var readSet, out _));
        Assert.False(IsSet(g, readSet, fd));
    }

    [Fact]
    public void Accept_recv_and_writev_serve_a_connection_with_fionbio_and_eagain()
    {
        using var g = Guest();
        var (listener, port) = Listen(g);
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, port);

        Assert.Equal(1, Select(g, listener + 1, listener, -1, 0, out var readSet, out _));
        Assert.True(IsSet(g, readSet, listener));
        var peer = g.Alloc(112);
        var peerLength = g.Words(112);
        var conn = g.Sys(102, 5, g.Words(listener, peer, peerLength, 0, 0, 0));
        Assert.True(conn > listener, $"accept: {conn}");
        Assert.Equal(16, g.I32(peerLength));
        Assert.Equal(2, g.Memory.ReadU16(peer));
        Assert.Equal(127, g.Memory.ReadU8(peer + 4));

        Assert.Equal(0, g.Sys(54, conn, FIONBIO, g.Words(1)));
        var buf = g.Alloc(1024);
        Assert.Equal(-EAGAIN, g.Sys(102, 12, g.Words(conn, buf, 1024, 0, 0, 0)));

        client.GetStream().Write("GET / HTTP/1.1\r\n\r\n"u8);
        // Readable and writable at once: the count is the number of set bits over both sets.
        Assert.Equal(2, Select(g, conn + 1, conn, conn, g.Words(5, 0), out readSet, out var writeSet));
        Assert.True(IsSet(g, readSet, conn) && IsSet(g, writeSet, conn));
        Assert.Equal(18, g.Sys(102, 12, g.Words(conn, buf, 1024, 0, 0, 0)));

        var iov = g.Words(g.Str("HTTP/1.1 200 OK\r\n"), 17, g.Str("\r\n"), 2);
        Assert.Equal(19, g.Sys(146, conn, iov, 2));
        var reply = new byte[19];
        client.GetStream().ReadExactly(reply);
        Assert.Equal("HTTP/1.1 200 OK\r\n\r\n", System.Text.Encoding.ASCII.GetString(reply));

        client.Client.Shutdown(SocketShutdown.Send);
        Assert.Equal(1, Select(g, conn + 1, conn, -1, g.Words(5, 0), out _, out _));
        Assert.Equal(0, g.Sys(102, 12, g.Words(conn, buf, 1024, 0, 0, 0)));
        Assert.Equal(0, g.Sys(6, conn));
    }

    [Fact]
    public void Poll_reports_a_pending_connection()
    {
        using var g = Guest();
        var (listener, port) = Listen(g);
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, port);
        var fds = g.Words(listener, 1 /* POLLIN */, -1, 1);
        Assert.Equal(1, g.Sys(168, fds, 2, 5000));
        Assert.Equal(1, g.Memory.ReadU16(fds + 6));
        Assert.Equal(0, g.Memory.ReadU16(fds + 14));
    }

    [Fact]
    public void Without_the_socket_capability_socket_is_eacces()
    {
        using var g = Guest(sockets: false);
        Assert.Equal(-EACCES, g.Sys(102, 1, g.Words(2, 1, 0, 0, 0, 0)));
    }

    [Fact]
    public async Task A_stop_ends_a_select_that_waits_forever_when_the_guest_has_no_handler()
    {
        using var g = Guest();
        var (fd, _) = Listen(g);
        var stopper = Task.Run(async () =>
        {
            await Task.Delay(100);
            g.Host.RequestStop();
        });
        var e = Assert.ThrowsAny<Exception>(() => Select(g, fd + 1, fd, -1, 0, out _, out _));
        Assert.Contains("asked to stop", e.ToString(), StringComparison.Ordinal);
        await stopper;
    }
}
