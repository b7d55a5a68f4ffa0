namespace Wasmcell.Ttrpc;

/// <summary>The status messages ttrpc peers send, spelled as the Go implementation spells them.</summary>
internal static class Errors
{
    public const string OddStreamIdRequired = "StreamID must be odd for client initiated streams";
    public const string StreamIdReused = "StreamID cannot be re-used and must increment";
    public const string DeadlineExceeded = "context deadline exceeded";
    public const string Cancelled = "context canceled";
    public const string ConnectionClosed = "ttrpc: connection closed";

    public static string Oversized(long length) =>
        $"message length {length} exceed maximum message size of {FrameHeader.MaxDataLength}";

    public static TtrpcException UnknownService(string service) => new(StatusCode.Unimplemented, $"service {service}");

    public static TtrpcException UnknownMethod(string method) => new(StatusCode.Unimplemented, $"method {method}");
}

/// <summary>A frame body larger than <see cref="FrameHeader.MaxDataLength"/> was about to be sent.</summary>
internal sealed class OversizedMessageException(long length) : Exception(Errors.Oversized(length))
{
    public long Length { get; } = length;
}
