using System.Net.Sockets;
using Google.Protobuf;
using Wasmcell.Ttrpc.Wire;

namespace Wasmcell.Ttrpc;

public sealed partial class TtrpcClient
{
    /// <summary>
    /// One unary call on a new connection, blocking the calling thread: for a short-lived process (the shim's
    /// launcher), where the asynchronous client's start-up (thread pool, socket engine) costs more than the call.
    /// Errors are those of <see cref="CallAsync"/>.
    /// </summary>
    public static TResponse CallOnce<TResponse>(string unixSocketPath, string service, string method, IMessage request,
        MessageParser<TResponse> parser, TimeSpan timeout)
        where TResponse : IMessage<TResponse>
    {
        var path = UnixSocketAddress.ToPath(unixSocketPath);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.SendTimeout = socket.ReceiveTimeout = (int)Math.Clamp(timeout.TotalMilliseconds, 1, int.MaxValue);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException ex)
        {
            throw new TtrpcException(StatusCode.Unavailable, $"ttrpc: connect {path}: {ex.Message}", ex);
        }
        using var stream = new NetworkStream(socket, ownsSocket: false);
        return CallOnce(stream, path, service, method, request, parser, timeout);
    }

    /// <summary>
    /// As above, on a connection the caller made (and closes), whose reads and writes time out by themselves: a
    /// launcher that connects with plain syscalls keeps System.Net.Sockets, and its epoll thread, out of its start.
    /// An <see cref="IOException"/> from <paramref name="connection"/> becomes Unavailable, or DeadlineExceeded
    /// when it wraps a <see cref="TimeoutException"/>.
    /// </summary>
    public static TResponse CallOnce<TResponse>(Stream connection, string peer, string service, string method, IMessage request,
        MessageParser<TResponse> parser, TimeSpan timeout)
        where TResponse : IMessage<TResponse>
    {
        try
        {
            var body = Envelope(service, method, request, timeout, null).ToByteArray();
            var frame = new byte[FrameHeader.Size + body.Length];
            new FrameHeader((uint)body.Length, 1, MessageType.Request, 0).Write(frame);
            body.CopyTo(frame.AsSpan(FrameHeader.Size));
            connection.Write(frame);

            var header = new byte[FrameHeader.Size];
            ReceiveExactly(connection, header);
            var answer = FrameHeader.Read(header);
            if (answer.Type != MessageType.Response || answer.StreamId != 1 || answer.Length > FrameHeader.MaxDataLength)
            {
                throw new TtrpcException(StatusCode.Internal, $"ttrpc: unexpected frame {answer.Type} on stream {answer.StreamId}");
            }
            var payload = new byte[answer.Length];
            ReceiveExactly(connection, payload);
            var response = Response.Parser.ParseFrom(payload);
            if (response.Status is { Code: not 0 } status)
            {
                throw new TtrpcException((StatusCode)status.Code, status.Message);
            }
            return ParsePayload(parser, response.Payload);
        }
        catch (IOException ex) when (IsTimeout(ex))
        {
            throw new TtrpcException(StatusCode.DeadlineExceeded, Errors.DeadlineExceeded);
        }
        catch (IOException ex)
        {
            throw new TtrpcException(StatusCode.Unavailable, $"ttrpc: {peer}: {ex.Message}", ex);
        }
    }

    /// <summary>A socket's timeout, as NetworkStream wraps it, or a <see cref="TimeoutException"/> from another stream.</summary>
    private static bool IsTimeout(IOException ex) =>
        ex.InnerException is TimeoutException or SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock };

    private static void ReceiveExactly(Stream connection, Span<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            var n = connection.Read(buffer);
            if (n == 0)
            {
                throw new TtrpcException(StatusCode.Unavailable, "ttrpc: connection closed before the response");
            }
            buffer = buffer[n..];
        }
    }
}
