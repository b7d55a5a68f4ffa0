using System.Buffers;

namespace Wasmcell.Ttrpc;

/// <summary>
/// One received frame. <see cref="Body"/> points into the reader's buffer and is only valid until the
/// next <see cref="FrameReader.ReadAsync"/>; parse or copy it before reading on.
/// </summary>
internal readonly struct Frame
{
    public Frame(FrameHeader header, ReadOnlySequence<byte> body, bool isOversized)
    {
        Header = header;
        Body = body;
        IsOversized = isOversized;
    }

    public FrameHeader Header { get; }

    public ReadOnlySequence<byte> Body { get; }

    /// <summary>The header announced more than 4 MiB; the body was discarded and <see cref="Body"/> is empty.</summary>
    public bool IsOversized { get; }
}
