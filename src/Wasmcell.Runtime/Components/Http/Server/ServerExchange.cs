using System.Globalization;
using System.Text;

namespace Wasmcell.Runtime.Components.Http.Server;

/// <summary>
/// One request on a connection as the guest sees it, and the framing of its response: the guest's Content-Length
/// when it set one, else the length when the whole body is known at head time, else chunked (HTTP/1.1) or
/// close-delimited (HTTP/1.0). Hop-by-hop headers are the server's, never the guest's.
/// </summary>
internal sealed class ServerExchange : IHttpExchange
{
    private static readonly HashSet<string> HopByHop = ["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection"];

    private readonly RequestHead _head;
    private readonly RequestBody _body;
    private readonly Stream _output;
    private readonly Func<bool> _stopping;
    private bool _continueSent, _chunked, _noBody, _ended;
    private long? _length;
    private long _written;

    /// <param name="stopping">Whether the server is stopping: a response sent then says "connection: close".</param>
    public ServerExchange(RequestHead head, RequestBody body, Stream output, bool keepAlive, Func<bool> stopping)
    {
        _stopping = stopping;
        _head = head;
        _body = body;
        _output = output;
        KeepAlive = keepAlive;
        Headers = [.. head.Headers.Select(h => new KeyValuePair<string, byte[]>(h.Key, Encoding.Latin1.GetBytes(h.Value)))];
    }

    public string Method => _head.Method;

    public string PathWithQuery => _head.Target;

    public string? Authority => _head.Header("host");

    public string Scheme => "http";

    public IReadOnlyList<KeyValuePair<string, byte[]>> Headers { get; }

    public bool HeadSent { get; private set; }

    /// <summary>Whether the connection can carry another request after this response.</summary>
    public bool KeepAlive { get; private set; }

    /// <summary>The response went out whole (head, body and its end).</summary>
    public bool Complete => _ended && KeepAlive;

    public RequestBody Body => _body;

    public int ReadBody(Span<byte> buffer)
    {
        if (_head.ExpectsContinue && !_continueSent && !HeadSent)
        {
            // The client waits for this before sending a body it announced with Expect: 100-continue (curl does for > 1 KiB).
            _continueSent = true;
            _output.Write("HTTP/1.1 100 Continue\r\n\r\n"u8);
            _output.Flush();
        }
        return _body.Read(buffer);
    }

    public void SendHead(int status, IReadOnlyList<KeyValuePair<string, byte[]>> headers, long? contentLength)
    {
        if (HeadSent)
        {
            throw new InvalidOperationException("the response head was already sent");
        }
        HeadSent = true;
        _noBody = _head.Method == "HEAD" || status is (>= 100 and < 200) or 204 or 304;
        var guestLength = headers.Where(h => h.Key == "content-length").Select(h => Encoding.Latin1.GetString(h.Value).Trim()).Distinct().ToList();
        if (guestLength.Count == 1 && long.TryParse(guestLength[0], NumberStyles.None, CultureInfo.InvariantCulture, out var declared))
        {
            _length = declared;
        }
        else if (guestLength.Count > 1)
        {
            throw new InvalidOperationException("the guest set conflicting content-length values");
        }
        var head = new StringBuilder(256);
        head.Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} {ReasonPhrases.For(status)}\r\n");
        foreach (var (name, value) in headers)
        {
            if (!HopByHop.Contains(name))
            {
                head.Append(name).Append(": ").Append(Encoding.Latin1.GetString(value)).Append("\r\n");
            }
        }
        if (_length is null && !_noBody)
        {
            if (contentLength is long known)
            {
                _length = known;
                head.Append(CultureInfo.InvariantCulture, $"content-length: {known}\r\n");
            }
            else if (_head.Minor >= 1)
            {
                _chunked = true;
                head.Append("transfer-encoding: chunked\r\n");
            }
            else
            {
                KeepAlive = false; // HTTP/1.0 without a length: the body ends when the connection does
            }
        }
        if (_stopping())
        {
            KeepAlive = false;
        }
        if (!KeepAlive)
        {
            head.Append("connection: close\r\n");
        }
        head.Append("\r\n");
        _output.Write(Encoding.Latin1.GetBytes(head.ToString()));
    }

    public void WriteBody(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty || _noBody)
        {
            return;
        }
        if (_length is long length && _written + data.Length > length)
        {
            KeepAlive = false;
            throw new IOException($"the guest wrote more than its content-length of {length}");
        }
        _written += data.Length;
        if (_chunked)
        {
            ChunkedEncoding.Write(_output, data);
        }
        else
        {
            _output.Write(data);
        }
    }

    public void EndBody()
    {
        if (_ended)
        {
            return;
        }
        _ended = true;
        if (_chunked)
        {
            _output.Write(ChunkedEncoding.End);
        }
        else if (_length is long length && _written != length && !_noBody)
        {
            KeepAlive = false; // the client counts bytes: a short body must end the connection
        }
        _output.Flush();
    }

    public void Abort() => KeepAlive = false;
}

/// <summary>The reason phrase of a status line (RFC 9110 15); clients ignore it, humans read it.</summary>
internal static class ReasonPhrases
{
    public static string For(int status) => status switch
    {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "",
    };
}
