using System.Text;

namespace Wasmcell.Runtime.Components.Http;

/// <summary>wasi:http fields: an ordered multimap with lower-case names; immutable once part of a request or sent.</summary>
internal sealed class Fields
{
    /// <summary>Bounds what a guest can pile into one fields object.</summary>
    public const int MaxEntries = 1000;

    public List<KeyValuePair<string, byte[]>> Entries { get; } = [];

    public bool Immutable { get; init; }

    public static Fields From(IEnumerable<KeyValuePair<string, byte[]>> entries, bool immutable)
    {
        var fields = new Fields { Immutable = immutable };
        fields.Entries.AddRange(entries);
        return fields;
    }

    /// <summary>A field name as RFC 9110 allows it (a token); wasi:http answers invalid-syntax otherwise.</summary>
    public static bool IsValidName(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }
        foreach (var c in name)
        {
            if (c > 0x7e || c <= 0x20 || "\"(),/:;<=>?@[\\]{}".Contains(c))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>No CR, LF or NUL: a value that could split the response's header section is refused.</summary>
    public static bool IsValidValue(ReadOnlySpan<byte> value) => value.IndexOfAny((byte)'\r', (byte)'\n', (byte)0) < 0;

    public Fields Clone() => From(Entries.Select(e => new KeyValuePair<string, byte[]>(e.Key, e.Value)), immutable: false);
}

internal sealed class IncomingRequest(IHttpExchange exchange)
{
    public IHttpExchange Exchange { get; } = exchange;

    public Fields Headers { get; } = Fields.From(exchange.Headers, immutable: true);

    public bool Consumed { get; set; }
}

/// <summary>An incoming-body: a served request's, or an outgoing request's response's; its stream is handed out once.</summary>
internal sealed class IncomingBody(InputStream stream)
{
    public InputStream Stream { get; } = stream;

    public bool StreamTaken { get; set; }
}

/// <summary>The host side of an outgoing-body: a served response's (<see cref="OutgoingBody"/>) or an outgoing request's.</summary>
internal abstract class BodySink
{
    /// <summary>Whether the guest asked for its stream (outgoing-body.write answers once).</summary>
    public bool StreamTaken { get; set; }

    public abstract void Write(ReadOnlySpan<byte> data);

    /// <summary>outgoing-body.finish; a failure the guest should see as an error-code throws <see cref="HttpErrorException"/>.</summary>
    public abstract void Finish();
}

/// <summary>A wasi:http error-code as an exception: <see cref="Code"/> is the value the guest gets.</summary>
internal sealed class HttpErrorException(HttpError code, string message) : Exception(message)
{
    public HttpError Code { get; } = code;
}

internal sealed class ResponseOutparam;

internal sealed class FutureTrailers;

internal sealed class OutgoingResponse(Fields headers)
{
    public Fields Headers { get; } = headers;

    public ushort Status { get; set; } = 200;

    public OutgoingBody? Body { get; set; }

    /// <summary>The exchange this response was set on (response-outparam.set), or null while it is not set.</summary>
    public IHttpExchange? SetOn { get; set; }

    /// <summary>Whether the guest asked for the body (outgoing-response.body answers once).</summary>
    public bool BodyTaken { get; set; }
}

/// <summary>
/// A response body: what the guest writes before the response is set is kept (so a body finished before set goes
/// out with a Content-Length); after set, writes go to the connection.
/// </summary>
internal sealed class OutgoingBody(OutgoingResponse response) : BodySink
{
    private MemoryStream? _early = new();

    public OutgoingResponse Response { get; } = response;

    public bool Finished { get; private set; }

    public IHttpExchange? Exchange { get; private set; }

    public bool Attached => Exchange is not null;

    public override void Write(ReadOnlySpan<byte> data)
    {
        if (Finished)
        {
            throw new InvalidOperationException("write to a finished outgoing-body");
        }
        if (Exchange is { } exchange)
        {
            exchange.WriteBody(data);
        }
        else
        {
            _early!.Write(data);
        }
    }

    public override void Finish()
    {
        Finished = true;
        Exchange?.EndBody();
    }

    /// <summary>The response was set: its head goes out, then what was written so far, then (if finished) the end.</summary>
    public void Attach(IHttpExchange exchange, IReadOnlyList<KeyValuePair<string, byte[]>> headers)
    {
        var early = _early!;
        _early = null;
        var hasLength = headers.Any(h => h.Key == "content-length");
        exchange.SendHead(Response.Status, headers, Finished && !hasLength ? early.Length : null);
        exchange.WriteBody(early.GetBuffer().AsSpan(0, (int)early.Length));
        Exchange = exchange;
        if (Finished)
        {
            exchange.EndBody();
        }
    }
}

/// <summary>The payload of wasi:io/error: the text behind a stream's last-operation-failed.</summary>
internal sealed class IoError(string message, HttpError? code = null)
{
    public string Message { get; } = message;

    /// <summary>What wasi:http/types.http-error-code answers for it: set for an outgoing request's body streams.</summary>
    public HttpError? Code { get; } = code;

    public static IoError From(Exception e) => new(e.Message, (e as HttpStreamException)?.Code);
}

/// <summary>A body stream of an outgoing request failed; <see cref="Code"/> is its wasi:http error-code.</summary>
internal sealed class HttpStreamException(HttpError code, string message, Exception? inner = null) : IOException(message, inner)
{
    public HttpError Code { get; } = code;
}

internal static class Utf8
{
    public static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);
}
