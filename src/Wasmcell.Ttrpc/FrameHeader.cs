using System.Buffers.Binary;

namespace Wasmcell.Ttrpc;

/// <summary>The kind of frame, byte 8 of the header.</summary>
internal enum MessageType : byte
{
    Request = 0x01,
    Response = 0x02,
    Data = 0x03,
}

/// <summary>
/// The fixed 10-byte frame header. All integers are big-endian:
/// <code>
/// [0..4)  data length, bytes after the header (at most <see cref="MaxDataLength"/>)
/// [4..8)  stream id (odd for client-initiated streams)
/// [8]     message type
/// [9]     flags (0 for unary requests and responses)
/// </code>
/// </summary>
internal readonly record struct FrameHeader(uint Length, uint StreamId, MessageType Type, byte Flags)
{
    public const int Size = 10;

    /// <summary>4 MiB, ttrpc's <c>messageLengthMax</c>; enforced on send and receive.</summary>
    public const int MaxDataLength = 4 << 20;

    public static FrameHeader Read(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadUInt32BigEndian(source),
        BinaryPrimitives.ReadUInt32BigEndian(source[4..]),
        (MessageType)source[8],
        source[9]);

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, Length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], StreamId);
        destination[8] = (byte)Type;
        destination[9] = Flags;
    }
}
