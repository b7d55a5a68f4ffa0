using System.Buffers;
using System.Globalization;
using System.Text;

namespace Wasmcell.Runtime.Components.Http;

/// <summary>HTTP/1.1 chunked transfer coding on the sending side, for the server's responses and the client's requests.</summary>
internal static class ChunkedEncoding
{
    /// <summary>The last chunk and the end of a message without trailers.</summary>
    public static ReadOnlySpan<byte> End => "0\r\n\r\n"u8;

    /// <summary>One chunk in one write (size line, data, CRLF): one TLS record, one segment. Nothing for empty data.</summary>
    public static void Write(Stream stream, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return; // a zero-size chunk would end the message
        }
        var buffer = ArrayPool<byte>.Shared.Rent(data.Length + 20);
        try
        {
            var n = Encoding.ASCII.GetBytes(data.Length.ToString("x", CultureInfo.InvariantCulture) + "\r\n", buffer);
            data.CopyTo(buffer.AsSpan(n));
            n += data.Length;
            buffer[n++] = (byte)'\r';
            buffer[n++] = (byte)'\n';
            stream.Write(buffer, 0, n);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
