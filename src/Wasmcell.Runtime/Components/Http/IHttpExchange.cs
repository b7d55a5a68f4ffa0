namespace Wasmcell.Runtime.Components.Http;

/// <summary>One HTTP request/response as the host side of wasi:http sees it; the server (or a test) implements it.</summary>
public interface IHttpExchange
{
    string Method { get; }

    /// <summary>The request target as sent, e.g. "/a/b?x=1".</summary>
    string PathWithQuery { get; }

    /// <summary>The Host header, if any.</summary>
    string? Authority { get; }

    /// <summary>"http" (TLS is not served).</summary>
    string Scheme { get; }

    /// <summary>Names in lower case, as wasi:http fields hold them; values as bytes.</summary>
    IReadOnlyList<KeyValuePair<string, byte[]>> Headers { get; }

    /// <summary>Reads request body bytes into <paramref name="buffer"/>, blocking until some arrive; 0 at its end.</summary>
    int ReadBody(Span<byte> buffer);

    /// <summary>Sends the status and headers. <paramref name="contentLength"/> is the whole body's length when the host already has all of it.</summary>
    void SendHead(int status, IReadOnlyList<KeyValuePair<string, byte[]>> headers, long? contentLength);

    void WriteBody(ReadOnlySpan<byte> data);

    /// <summary>The body is complete.</summary>
    void EndBody();

    /// <summary>The response cannot be completed (the guest dropped its body unfinished): the connection must close.</summary>
    void Abort();

    bool HeadSent { get; }
}
