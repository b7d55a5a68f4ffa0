using System.Net.Sockets;

namespace Wasmcell.Runtime.Components.Http.Server;

/// <summary>Buffered reads from a connection: header lines of bounded length, then raw bytes for bodies.</summary>
internal sealed class ConnectionReader
{
    private readonly byte[] _buffer = new byte[16 * 1024];
    private readonly Func<byte[], int> _receive;
    private int _start, _end;

    public ConnectionReader(Socket socket) => _receive = socket.Receive;

    /// <summary>Reads through a stream over the connection (an outgoing https request's TLS stream).</summary>
    public ConnectionReader(Stream stream) => _receive = b => stream.Read(b);

    /// <summary>Reads up to buffer.Length bytes, buffered ones first; 0 when the peer closed its side.</summary>
    public int Read(Span<byte> buffer)
    {
        if (_start == _end && !Fill())
        {
            return 0;
        }
        var n = Math.Min(buffer.Length, _end - _start);
        _buffer.AsSpan(_start, n).CopyTo(buffer);
        _start += n;
        return n;
    }

    /// <summary>
    /// One line without its CRLF (a bare LF is accepted, as RFC 9112 allows), as Latin-1; null when the peer closed
    /// before a line began. A line longer than <paramref name="maxLength"/> throws <see cref="RequestRefusedException"/>.
    /// </summary>
    public string? ReadLine(int maxLength, ref int budget)
    {
        var line = new List<byte>();
        while (true)
        {
            if (_start == _end && !Fill())
            {
                if (line.Count == 0)
                {
                    return null;
                }
                throw new RequestRefusedException(400, "the connection closed inside a line");
            }
            var span = _buffer.AsSpan(_start, _end - _start);
            var lf = span.IndexOf((byte)'\n');
            var take = lf < 0 ? span.Length : lf;
            if (line.Count + take > maxLength || (budget -= take + 1) < 0)
            {
                throw new RequestRefusedException(431, "a header line or the header section is too long");
            }
            line.AddRange(span[..take]);
            if (lf < 0)
            {
                _start = _end;
                continue;
            }
            _start += lf + 1;
            if (line.Count > 0 && line[^1] == '\r')
            {
                line.RemoveAt(line.Count - 1);
            }
            return System.Text.Encoding.Latin1.GetString(line.ToArray());
        }
    }

    private bool Fill()
    {
        _start = 0;
        _end = _receive(_buffer);
        return _end > 0;
    }
}

/// <summary>A request the server answers itself (400, 411, 413, 431, 501) and then closes the connection.</summary>
internal sealed class RequestRefusedException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
