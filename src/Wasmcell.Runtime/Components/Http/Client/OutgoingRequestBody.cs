using System.Globalization;
using System.Text;

namespace Wasmcell.Runtime.Components.Http.Client;

/// <summary>
/// An outgoing request's body (outgoing-request.body). What the guest writes before handle is kept (up to
/// <see cref="MaxEarlyBytes"/>) and goes out right after the head, with a Content-Length when the body was finished by
/// then; after handle, writes go to the connection (chunked, or raw under the guest's own Content-Length).
/// </summary>
internal sealed class OutgoingRequestBody : BodySink, IDisposable
{
    /// <summary>Bounds what a guest can pile up in the host before its request is even made.</summary>
    public const int MaxEarlyBytes = 16 * 1024 * 1024;

    private MemoryStream? _early = new();
    private OutgoingCall? _call;
    private bool _chunked, _finished, _finishedBeforeHandle;
    private long? _declared;
    private long _written;

    public override void Write(ReadOnlySpan<byte> data)
    {
        if (_finished)
        {
            throw new InvalidOperationException("write to a finished outgoing-body");
        }
        if (_declared is long declared && _written + data.Length > declared)
        {
            throw new IOException($"the body is longer than its content-length of {declared}");
        }
        _written += data.Length;
        if (_call is not { } call)
        {
            if (_early!.Length + data.Length > MaxEarlyBytes)
            {
                throw new IOException($"more than {MaxEarlyBytes} body bytes written before outgoing-handler.handle");
            }
            _early.Write(data);
            return;
        }
        if (!data.IsEmpty)
        {
            call.SendBody(data, _chunked);
        }
    }

    public override void Finish()
    {
        if (_finished)
        {
            return;
        }
        _finished = true;
        if (_declared is long declared && _written != declared)
        {
            _call?.Dispose();
            throw new HttpErrorException(new HttpError("HTTP-request-body-size"), $"{_written} body bytes, but content-length {declared}");
        }
        if (_call is { } call && _chunked)
        {
            call.SendBody(ChunkedEncoding.End, chunked: false);
        }
    }

    /// <summary>
    /// handle was called (on the guest's thread, before the request's own thread starts): this body belongs to
    /// <paramref name="call"/>. Returns the framing field for the head: the guest's own content-length (checked as
    /// the body is written), else the length of a body finished before handle, else chunked.
    /// </summary>
    public string Attach(OutgoingCall call, IReadOnlyList<KeyValuePair<string, byte[]>> headers)
    {
        _call = call;
        _finishedBeforeHandle = _finished;
        var declared = headers.Where(h => h.Key == "content-length").Select(h => Encoding.Latin1.GetString(h.Value).Trim()).Distinct().ToList();
        if (declared.Count == 1 && long.TryParse(declared[0], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            _declared = length;
            return "";
        }
        if (_finished)
        {
            return FormattableString.Invariant($"content-length: {_written}\r\n");
        }
        _chunked = true;
        return "transfer-encoding: chunked\r\n";
    }

    /// <summary>What was written before handle, right after the head (on the request's own thread).</summary>
    public void SendEarly(Stream connection)
    {
        var early = _early!;
        _early = null;
        if (early.Length > 0)
        {
            var bytes = early.GetBuffer().AsSpan(0, (int)early.Length);
            if (_chunked)
            {
                ChunkedEncoding.Write(connection, bytes);
            }
            else
            {
                connection.Write(bytes);
            }
        }
        if (_finishedBeforeHandle && _chunked)
        {
            connection.Write(ChunkedEncoding.End);
        }
    }

    /// <summary>The guest dropped the body without finishing it: the request is incomplete and its connection ends.</summary>
    public void Dispose()
    {
        if (!_finished)
        {
            _call?.Dispose();
        }
    }
}
