namespace Wasmcell.Runtime.Components.Http.Server;

/// <summary>An HTTP/1.x request line and header section (RFC 9112), parsed and checked before the guest sees it.</summary>
internal sealed class RequestHead
{
    /// <summary>Longest request line or header line, and the whole header section: 8 KiB and 64 KiB, as common servers.</summary>
    public const int MaxLine = 8 * 1024, MaxSection = 64 * 1024, MaxHeaders = 200;

    public required string Method { get; init; }

    public required string Target { get; init; }

    /// <summary>1 for HTTP/1.1, 0 for HTTP/1.0.</summary>
    public required int Minor { get; init; }

    /// <summary>Names lower case, in arrival order; values Latin-1 decoded bytes as sent.</summary>
    public required List<KeyValuePair<string, string>> Headers { get; init; }

    public string? Header(string name) => Headers.Where(h => h.Key == name).Select(h => h.Value).LastOrDefault();

    /// <summary>Whether the connection may serve another request after this one (HTTP/1.1 unless "close"; 1.0 only with "keep-alive").</summary>
    public bool KeepAlive
    {
        get
        {
            var tokens = Headers.Where(h => h.Key == "connection").SelectMany(h => h.Value.Split(',')).Select(t => t.Trim().ToLowerInvariant()).ToList();
            return Minor >= 1 ? !tokens.Contains("close") : tokens.Contains("keep-alive");
        }
    }

    public bool ExpectsContinue => string.Equals(Header("expect"), "100-continue", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// How the body is framed: chunked, a Content-Length, or none. Both at once, an unknown transfer coding, or a
    /// malformed or repeated-but-different length is refused (request smuggling starts with such ambiguity).
    /// </summary>
    public (bool Chunked, long Length) BodyFraming()
    {
        var te = Headers.Where(h => h.Key == "transfer-encoding").Select(h => h.Value).ToList();
        var cl = Headers.Where(h => h.Key == "content-length").SelectMany(h => h.Value.Split(',')).Select(v => v.Trim()).Distinct().ToList();
        if (te.Count > 0)
        {
            if (cl.Count > 0)
            {
                throw new RequestRefusedException(400, "both Transfer-Encoding and Content-Length");
            }
            var codings = te.SelectMany(v => v.Split(',')).Select(c => c.Trim().ToLowerInvariant()).ToList();
            if (codings is not ["chunked"])
            {
                throw new RequestRefusedException(501, $"transfer coding '{string.Join(", ", codings)}' is not supported");
            }
            return (true, 0);
        }
        if (cl.Count == 0)
        {
            return (false, 0);
        }
        if (cl.Count > 1 || cl[0].Length is 0 or > 18 || !cl[0].All(char.IsAsciiDigit))
        {
            throw new RequestRefusedException(400, "invalid Content-Length");
        }
        return (false, long.Parse(cl[0], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Reads a head; null when the peer closed (or sent only empty lines) before a request began.</summary>
    public static RequestHead? Read(ConnectionReader reader)
    {
        var budget = MaxSection;
        string? line;
        // RFC 9112 2.2: empty lines before a request line are ignored.
        do
        {
            line = reader.ReadLine(MaxLine, ref budget);
            if (line is null)
            {
                return null;
            }
        }
        while (line.Length == 0);
        var parts = line.Split(' ');
        if (parts.Length != 3 || parts[0].Length == 0 || !parts[0].All(IsTokenChar) || parts[1].Length == 0 || parts[1].Any(char.IsControl))
        {
            throw new RequestRefusedException(400, "malformed request line");
        }
        var minor = parts[2] switch
        {
            "HTTP/1.1" => 1,
            "HTTP/1.0" => 0,
            _ => throw new RequestRefusedException(505, $"unsupported protocol {parts[2]}"),
        };
        var headers = new List<KeyValuePair<string, string>>();
        while (true)
        {
            line = reader.ReadLine(MaxLine, ref budget) ?? throw new RequestRefusedException(400, "the connection closed inside the header section");
            if (line.Length == 0)
            {
                break;
            }
            var colon = line.IndexOf(':');
            if (colon <= 0 || line[0] is ' ' or '\t' || !line.AsSpan(0, colon).ToString().All(IsTokenChar))
            {
                // Includes obsolete line folding (a line starting with whitespace), which RFC 9112 lets a server reject.
                throw new RequestRefusedException(400, "malformed header line");
            }
            if (headers.Count >= MaxHeaders)
            {
                throw new RequestRefusedException(431, "too many header fields");
            }
            var value = line[(colon + 1)..].Trim(' ', '\t');
            if (value.Any(c => c is '\0' or '\r' or '\n'))
            {
                throw new RequestRefusedException(400, "invalid header value");
            }
            headers.Add(new(line[..colon].ToLowerInvariant(), value));
        }
        return new RequestHead { Method = parts[0], Target = parts[1], Minor = minor, Headers = headers };
    }

    private static bool IsTokenChar(char c) => c is > ' ' and < (char)0x7f && !"\"(),/:;<=>?@[\\]{}".Contains(c);
}
