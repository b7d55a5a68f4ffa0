using System.Net.Sockets;

namespace Wasmcell.Protos;

/// <summary>gRPC over a unix socket, as containerd and its CRI serve their APIs (HTTP/2 without TLS).</summary>
public static class UnixSocketGrpc
{
    /// <summary>
    /// An HTTP handler whose every connection dials <paramref name="socketPath"/>; the channel's host name is never
    /// resolved (use <c>http://localhost</c>). Callers set their own timeouts and pool limits on it.
    /// </summary>
    public static SocketsHttpHandler Handler(string socketPath) => new()
    {
        ConnectCallback = async (_, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}
