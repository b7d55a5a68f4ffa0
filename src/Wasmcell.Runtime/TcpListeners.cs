using System.Net;
using System.Net.Sockets;

namespace Wasmcell.Runtime;

/// <summary>
/// Preopened TCP listeners handed to a guest (the way `wasmtime --tcplisten` did): created by the host in
/// the network namespace the calling thread is in, so a cell makes them after joining the pod's.
/// </summary>
public static class TcpListeners
{
    /// <summary>host:port, [v6]:port or :port (all interfaces).</summary>
    public static Socket Listen(string address, int backlog = 128)
    {
        var endpoint = Parse(address);
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(endpoint);
            socket.Listen(backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static IPEndPoint Parse(string address)
    {
        var a = address.Trim();
        if (a.StartsWith("tcp://", StringComparison.Ordinal))
        {
            a = a["tcp://".Length..];
        }
        if (a.StartsWith(':') && int.TryParse(a.AsSpan(1), out var port) && port is > 0 and < 65536)
        {
            return new IPEndPoint(IPAddress.Any, port);
        }
        return IPEndPoint.TryParse(a, out var parsed) && parsed.Port > 0
            ? parsed
            : throw new ArgumentException($"listen address '{address}': expected HOST:PORT or :PORT");
    }

    /// <summary>Opens every address in a comma-separated list; on failure closes what it opened.</summary>
    public static List<Socket> ListenAll(string commaSeparated)
    {
        var sockets = new List<Socket>();
        try
        {
            foreach (var a in commaSeparated.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                sockets.Add(Listen(a));
            }
            return sockets;
        }
        catch
        {
            sockets.ForEach(s => s.Dispose());
            throw;
        }
    }
}
