using System.Buffers.Binary;
using Google.Protobuf;
using Wasmcell.Ttrpc.Wire;

namespace Wasmcell.Ttrpc.Tests.Infrastructure;

/// <summary>Hand-made frames for raw-socket tests (header written here, not by the code under test).</summary>
internal static class Frames
{
    public static byte[] Make(uint streamId, byte type, byte[] body, byte flags = 0)
    {
        byte[] frame = new byte[10 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)body.Length);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), streamId);
        frame[8] = type;
        frame[9] = flags;
        body.CopyTo(frame, 10);
        return frame;
    }

    public static byte[] Request(uint streamId, string service, string method, IMessage? payload = null, long timeoutNano = 0) =>
        Make(streamId, 1, new Request
        {
            Service = service,
            Method = method,
            Payload = payload?.ToByteString() ?? ByteString.Empty,
            TimeoutNano = timeoutNano,
        }.ToByteArray());

    /// <summary>The exact bytes of a Response{status{code, message}} frame, built field by field.</summary>
    public static byte[] StatusResponse(uint streamId, int code, string message)
    {
        byte[] text = Hex.Ascii(message);
        byte[] status = Hex.Concat([0x08, (byte)code, 0x12], Varint(text.Length), text);
        return Make(streamId, 2, Hex.Concat([0x0a], Varint(status.Length), status));
    }

    public static Response ParseResponse(byte[] frame) => Wire.Response.Parser.ParseFrom(frame.AsSpan(10));

    public static byte[] Varint(int value)
    {
        var bytes = new List<byte>();
        uint v = (uint)value;
        while (v >= 0x80)
        {
            bytes.Add((byte)(v | 0x80));
            v >>= 7;
        }

        bytes.Add((byte)v);
        return [.. bytes];
    }
}
