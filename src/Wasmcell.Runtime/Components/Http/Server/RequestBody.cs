using System.Globalization;

namespace Wasmcell.Runtime.Components.Http.Server;

/// <summary>A request body as it arrives, de-framed: the guest reads plain bytes whatever the framing.</summary>
internal abstract class RequestBody
{
    /// <summary>0 at the end of the body. A connection that ends early throws <see cref="IOException"/>.</summary>
    public abstract int Read(Span<byte> buffer);

    /// <summary>Whether every byte of the body has been read (the connection is then at the next request).</summary>
    public abstract bool Complete { get; }

    public static RequestBody For(RequestHead head, ConnectionReader reader)
    {
        var (chunked, length) = head.BodyFraming();
        return chunked ? new ChunkedBody(reader) : length > 0 ? new LengthBody(reader, length) : new EmptyBody();
    }

    /// <summary>Reads what the guest left unread, up to <paramref name="limit"/> bytes; false when more remained.</summary>
    public bool Drain(long limit)
    {
        Span<byte> scratch = stackalloc byte[4096];
        long total = 0;
        while (!Complete)
        {
            var n = Read(scratch);
            if (n == 0 || (total += n) > limit)
            {
                return Complete;
            }
        }
        return true;
    }
}

internal sealed class EmptyBody : RequestBody
{
    public override int Read(Span<byte> buffer) => 0;

    public override bool Complete => true;
}

internal sealed class LengthBody(ConnectionReader reader, long length) : RequestBody
{
    private long _left = length;

    public override bool Complete => _left == 0;

    public override int Read(Span<byte> buffer)
    {
        if (_left == 0 || buffer.IsEmpty)
        {
            return 0;
        }
        var n = reader.Read(buffer[..(int)Math.Min(buffer.Length, _left)]);
        if (n == 0)
        {
            throw new IOException($"the client closed the connection with {_left} bytes of the body still to come");
        }
        _left -= n;
        return n;
    }
}

/// <summary>Chunked transfer coding (RFC 9112 7.1): chunk extensions ignored, trailers read and dropped.</summary>
internal sealed class ChunkedBody(ConnectionReader reader) : RequestBody
{
    private long _leftInChunk;
    private bool _done;

    public override bool Complete => _done;

    public override int Read(Span<byte> buffer)
    {
        if (_done || buffer.IsEmpty)
        {
            return 0;
        }
        if (_leftInChunk == 0)
        {
            _leftInChunk = NextChunkSize();
            if (_leftInChunk == 0)
            {
                SkipTrailers();
                _done = true;
                return 0;
            }
        }
        var n = reader.Read(buffer[..(int)Math.Min(buffer.Length, _leftInChunk)]);
        if (n == 0)
        {
            throw new IOException("the client closed the connection inside a chunk");
        }
        _leftInChunk -= n;
        if (_leftInChunk == 0)
        {
            var budget = RequestHead.MaxLine;
            if (reader.ReadLine(RequestHead.MaxLine, ref budget) is not "")
            {
                throw new IOException("a chunk not followed by CRLF");
            }
        }
        return n;
    }

    private long NextChunkSize()
    {
        var budget = RequestHead.MaxLine;
        var line = reader.ReadLine(RequestHead.MaxLine, ref budget) ?? throw new IOException("the client closed the connection before a chunk");
        var semicolon = line.IndexOf(';');
        var hex = (semicolon < 0 ? line : line[..semicolon]).Trim();
        if (hex.Length is 0 or > 15 || !long.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size))
        {
            throw new IOException($"invalid chunk size '{hex}'");
        }
        return size;
    }

    private void SkipTrailers()
    {
        var budget = RequestHead.MaxSection;
        while (reader.ReadLine(RequestHead.MaxLine, ref budget) is { Length: > 0 })
        {
        }
    }
}
