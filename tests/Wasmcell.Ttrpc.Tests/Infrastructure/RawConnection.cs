using System.Buffers.Binary;
using System.Net.Sockets;

namespace Wasmcell.Ttrpc.Tests.Infrastructure;

/// <summary>
/// A bare socket that writes hand-made bytes and reads whole frames back, to check the wire format
/// without going through our own framing code.
/// </summary>
internal sealed class RawConnection : IAsyncDisposable
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(10);
    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    public RawConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public static async Task<RawConnection> ConnectAsync(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
        return new RawConnection(socket);
    }

    public async Task SendAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    /// <summary>Reads one frame: the 10 header bytes plus the length they announce.</summary>
    public async Task<byte[]> ReadFrameAsync()
    {
        byte[] header = new byte[10];
        await _stream.ReadExactlyAsync(header).AsTask().WaitAsync(HangGuard);
        int length = checked((int)BinaryPrimitives.ReadUInt32BigEndian(header));
        byte[] frame = new byte[10 + length];
        header.CopyTo(frame, 0);
        await _stream.ReadExactlyAsync(frame.AsMemory(10)).AsTask().WaitAsync(HangGuard);
        return frame;
    }

    /// <summary>True when the peer closed the connection (read returns 0) before sending anything else.</summary>
    public async Task<bool> ReadsEndOfStreamAsync()
    {
        byte[] one = new byte[1];
        try
        {
            return await _stream.ReadAsync(one).AsTask().WaitAsync(HangGuard) == 0;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    public ValueTask DisposeAsync() => _stream.DisposeAsync();
}
