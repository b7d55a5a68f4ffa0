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
        try
        {
            var body = Envelope(service, method, request, timeout, null).ToByteArray();
            var frame = new byte[FrameHeader.Size + body.Length];
            new FrameHeader((uint)body.Length, 1, MessageType.Request, 0).Write(frame);
            body.CopyTo(frame.AsSpan(FrameHeader.Size));
            socket.Send(frame);

            var header = new byte[FrameHeader.Size];
            ReceiveExactly(socket, header);
            var answer = FrameHeader.Read(header);
            if (answer.Type != MessageType.Response || answer.StreamId != 1 || answer.Length > FrameHeader.MaxDataLength)
            {
                throw new TtrpcException(StatusCode.Internal, $"ttrpc: unexpected frame {answer.Type} on stream {answer.StreamId}");
            }
            var payload = new byte[answer.Length];
            ReceiveExactly(socket, payload);
            var response = Response.Parser.ParseFrom(payload);
            if (response.Status is { Code: not 0 } status)
            {
                throw new TtrpcException((StatusCode)status.Code, status.Message);
            }
            return ParsePayload(parser, response.Payload);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.TimedOut || ex.SocketErrorCode == SocketError.WouldBlock)
        {
            throw new TtrpcException(StatusCode.DeadlineExceeded, Errors.DeadlineExceeded);
        }
        catch (SocketException ex)
        {
            throw new TtrpcException(StatusCode.Unavailable, $"ttrpc: {path}: {ex.Message}", ex);
        }
    }

    private static void ReceiveExactly(Socket socket, Span<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            var n = socket.Receive(buffer);
            if (n == 0)
            {
                throw new TtrpcException(StatusCode.Unavailable, "ttrpc: connection closed before the response");
            }
            buffer = buffer[n..];
        }
    }
}
