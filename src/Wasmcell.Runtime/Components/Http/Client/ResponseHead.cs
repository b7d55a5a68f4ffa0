using System.Globalization;
using System.Net.Sockets;
using Wasmcell.Runtime.Components.Http.Server;

namespace Wasmcell.Runtime.Components.Http.Client;

/// <summary>
/// An HTTP/1.x response's status line and header section as an outgoing request receives them (informational 1xx
/// responses skipped), and its body de-framed: Content-Length, chunked, or until the connection closes. Bounded as
/// the server's request heads are (<see cref="RequestHead.MaxLine"/>, <see cref="RequestHead.MaxSection"/>).
/// </summary>
internal sealed class ResponseHead
{
    /// <summary>Hop-by-hop fields are the connection's, not the response's: the guest does not see them.</summary>
    private static readonly HashSet<string> HopByHop = ["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "te", "trailer"];

    private ResponseHead(int status, List<KeyValuePair<string, byte[]>> headers, RequestBody body)
    {
        Status = status;
        Headers = headers;
        Body = body;
    }

    public int Status { get; }

    /// <summary>Names in lower case; hop-by-hop fields left out.</summary>
    public List<KeyValuePair<string, byte[]>> Headers { get; }

    public RequestBody Body { get; }

    /// <summary>The connection closed before the head was complete.</summary>
    internal sealed class IncompleteException(string message) : IOException(message);

    public static ResponseHead Read(ConnectionReader reader, bool toHead)
    {
        while (true)
        {
            var budget = RequestHead.MaxSection;
            var statusLine = reader.ReadLine(RequestHead.MaxLine, ref budget) ?? throw new IncompleteException("the connection closed before a response");
            var status = ParseStatusLine(statusLine);
            var headers = new List<KeyValuePair<string, string>>();
            while (true)
            {
                var line = reader.ReadLine(RequestHead.MaxLine, ref budget) ?? throw new IncompleteException("the connection closed inside the response head");
                if (line.Length == 0)
                {
                    break;
                }
                var colon = line.IndexOf(':');
                if (colon <= 0 || headers.Count >= RequestHead.MaxHeaders)
                {
                    throw new InvalidDataException($"a malformed or excess header line in the response: '{line}'");
                }
                var name = line[..colon].ToLowerInvariant();
                if (!Fields.IsValidName(name))
                {
                    throw new InvalidDataException($"an invalid header name in the response: '{name}'");
                }
                headers.Add(new(name, line[(colon + 1)..].Trim()));
            }
            if (status is >= 100 and < 200 and not 101)
            {
                continue; // 100 Continue, 103 Early Hints: the final response follows
            }
            if (status == 101)
            {
                throw new InvalidDataException("the server switched protocols (101), which an outgoing request does not ask for");
            }
            var body = toHead || status is 204 or 304 ? new EmptyBody() : BodyFor(headers, reader);
            return new ResponseHead(status,
                [.. headers.Where(h => !HopByHop.Contains(h.Key)).Select(h => new KeyValuePair<string, byte[]>(h.Key, System.Text.Encoding.Latin1.GetBytes(h.Value)))],
                body);
        }
    }

    private static int ParseStatusLine(string line)
    {
        // HTTP/1.1 200 OK (the reason phrase may be empty or absent)
        var parts = line.Split(' ', 3);
        if (parts.Length < 2 || !parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || parts[1].Length != 3
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status) || status < 100)
        {
            throw new InvalidDataException($"not an HTTP/1.x status line: '{line}'");
        }
        return status;
    }

    private static RequestBody BodyFor(List<KeyValuePair<string, string>> headers, ConnectionReader reader)
    {
        var te = headers.Where(h => h.Key == "transfer-encoding").SelectMany(h => h.Value.Split(',')).Select(c => c.Trim().ToLowerInvariant()).ToList();
        if (te.Count > 0)
        {
            // chunked last means chunked framing; any other coding is not decoded for the guest.
            return te is ["chunked"] ? new ChunkedBody(reader)
                : throw new InvalidDataException($"transfer coding '{string.Join(", ", te)}' is not supported");
        }
        var cl = headers.Where(h => h.Key == "content-length").SelectMany(h => h.Value.Split(',')).Select(v => v.Trim()).Distinct().ToList();
        if (cl.Count == 0)
        {
            return new UntilCloseBody(reader);
        }
        if (cl.Count > 1 || cl[0].Length is 0 or > 18 || !cl[0].All(char.IsAsciiDigit))
        {
            throw new InvalidDataException("an invalid Content-Length in the response");
        }
        var length = long.Parse(cl[0], CultureInfo.InvariantCulture);
        return length == 0 ? new EmptyBody() : new LengthBody(reader, length);
    }

    /// <summary>A body without a length: it ends when the server closes the connection.</summary>
    private sealed class UntilCloseBody(ConnectionReader reader) : RequestBody
    {
        private bool _done;

        public override bool Complete => _done;

        public override int Read(Span<byte> buffer)
        {
            if (_done || buffer.IsEmpty)
            {
                return 0;
            }
            var n = reader.Read(buffer);
            _done = n == 0;
            return n;
        }
    }
}

/// <summary>
/// An outgoing request's response body as the guest's input-stream: bounded reads of the de-framed body, each waiting
/// at most the between-bytes timeout; a connection that fails or ends early is a stream error, a stop a trap.
/// </summary>
internal sealed class ResponseBodyInput(OutgoingCall call, RequestBody body, CancellationToken stop) : InputStream, IDisposable
{
    public override int Read(Span<byte> buffer)
    {
        try
        {
            var n = body.Read(buffer);
            if (n == 0)
            {
                call.Dispose(); // the whole body is in: the connection (sent with "connection: close") is done
            }
            return n;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            stop.ThrowIfCancellationRequested();
            var cause = OutgoingCall.Unwrap(e);
            var timedOut = cause is SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock };
            var code = timedOut ? "connection-read-timeout" : cause is SocketException or ObjectDisposedException ? "connection-terminated" : "HTTP-response-incomplete";
            call.Dispose();
            throw new HttpStreamException(new HttpError(code), $"{call.Target}: {(timedOut ? "no body bytes within the between-bytes timeout" : e.Message)}", e);
        }
    }

    public void Dispose() => call.Dispose();
}
