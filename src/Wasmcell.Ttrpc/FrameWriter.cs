using System.Buffers;
using Google.Protobuf;

namespace Wasmcell.Ttrpc;

/// <summary>
/// Writes whole frames to a stream, one at a time. Many tasks answer (or call) on one connection
/// concurrently; the lock keeps their frames from interleaving. The message is serialized before the
/// lock is taken, and the lock is held only around the socket write.
/// </summary>
internal sealed class FrameWriter(Stream stream)
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    /// <exception cref="OversizedMessageException">The message is larger than 4 MiB; nothing was sent.</exception>
    /// <remarks>
    /// <paramref name="cancellationToken"/> only cancels the wait for the lock: a frame that has started to go
    /// out is finished, because half a frame would corrupt the stream for every other call.
    /// </remarks>
    public async Task WriteAsync(uint streamId, MessageType type, IMessage message, CancellationToken cancellationToken)
    {
        int length = message.CalculateSize();
        if (length > FrameHeader.MaxDataLength)
        {
            throw new OversizedMessageException(length);
        }

        int total = FrameHeader.Size + length;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            new FrameHeader((uint)length, streamId, type, Flags: 0).Write(buffer);
            message.WriteTo(buffer.AsSpan(FrameHeader.Size, length));
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await stream.WriteAsync(buffer.AsMemory(0, total), CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                _writeLock.Release();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
