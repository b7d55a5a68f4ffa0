using System.Buffers;
using System.IO.Pipelines;

namespace Wasmcell.Ttrpc;

/// <summary>
/// Cuts frames out of a <see cref="PipeReader"/>. A frame is returned only once it is complete; a partial
/// frame is left in the pipe (<c>AdvanceTo(start, end)</c>) so the next read waits for more bytes instead of
/// re-parsing what it has. Single consumer: only the connection's receive loop calls it.
/// </summary>
internal sealed class FrameReader(PipeReader reader)
{
    // End of the frame handed out last; released at the next read so its Body stays valid until then.
    private SequencePosition? _release;
    // Bytes of an oversized frame still to throw away, and that frame's header.
    private long _discardRemaining;
    private FrameHeader _oversized;

    /// <summary>Returns the next frame, or null when the peer closed the stream between frames.</summary>
    /// <exception cref="EndOfStreamException">The stream ended inside a frame.</exception>
    public async ValueTask<Frame?> ReadAsync(CancellationToken cancellationToken)
    {
        if (_release is { } release)
        {
            _release = null;
            reader.AdvanceTo(release);
        }

        while (true)
        {
            ReadResult result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (result.IsCanceled)
            {
                throw new OperationCanceledException(cancellationToken);
            }

            ReadOnlySequence<byte> buffer = result.Buffer;
            if (_discardRemaining > 0)
            {
                long skip = Math.Min(_discardRemaining, buffer.Length);
                _discardRemaining -= skip;
                reader.AdvanceTo(buffer.GetPosition(skip));
                if (_discardRemaining == 0)
                {
                    return new Frame(_oversized, ReadOnlySequence<byte>.Empty, isOversized: true);
                }
            }
            else if (buffer.Length >= FrameHeader.Size && ReadHeader(buffer) is { Length: > FrameHeader.MaxDataLength } header)
            {
                // Never buffer an oversized body: consume the header, then skip the body as it arrives and
                // report the frame once it is gone, so the connection stays usable (ttrpc does the same).
                reader.AdvanceTo(buffer.GetPosition(FrameHeader.Size));
                _oversized = header;
                _discardRemaining = header.Length;
                continue;
            }
            else if (TryCut(buffer, out Frame frame, out SequencePosition end))
            {
                _release = end;
                return frame;
            }
            else
            {
                // Incomplete: keep everything, but mark it examined so the next read waits for new bytes.
                reader.AdvanceTo(buffer.Start, buffer.End);
            }

            if (result.IsCompleted)
            {
                if (buffer.IsEmpty && _discardRemaining == 0)
                {
                    return null;
                }

                throw new EndOfStreamException("ttrpc: connection closed in the middle of a frame");
            }
        }
    }

    private static bool TryCut(ReadOnlySequence<byte> buffer, out Frame frame, out SequencePosition end)
    {
        frame = default;
        end = default;
        if (buffer.Length < FrameHeader.Size)
        {
            return false;
        }

        FrameHeader header = ReadHeader(buffer);
        long total = FrameHeader.Size + (long)header.Length;
        if (buffer.Length < total)
        {
            return false;
        }

        frame = new Frame(header, buffer.Slice(FrameHeader.Size, header.Length), isOversized: false);
        end = buffer.GetPosition(total);
        return true;
    }

    private static FrameHeader ReadHeader(ReadOnlySequence<byte> buffer)
    {
        if (buffer.FirstSpan.Length >= FrameHeader.Size)
        {
            return FrameHeader.Read(buffer.FirstSpan);
        }

        Span<byte> header = stackalloc byte[FrameHeader.Size];
        buffer.Slice(0, FrameHeader.Size).CopyTo(header);
        return FrameHeader.Read(header);
    }
}
