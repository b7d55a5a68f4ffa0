using System.Text;
using Wasmcell.Runtime.Components.Http;

namespace Wasmcell.Runtime.Tests.Components;

/// <summary>An HTTP exchange without a socket: a request given up front, the response recorded as the host sends it.</summary>
internal sealed class InMemoryExchange : IHttpExchange
{
    private readonly MemoryStream _requestBody;
    private readonly MemoryStream _responseBody = new();

    public InMemoryExchange(string method, string target, byte[]? body = null, params (string Name, string Value)[] headers)
    {
        Method = method;
        PathWithQuery = target;
        _requestBody = new MemoryStream(body ?? []);
        Headers = [.. headers.Select(h => new KeyValuePair<string, byte[]>(h.Name.ToLowerInvariant(), Encoding.UTF8.GetBytes(h.Value)))];
    }

    public string Method { get; }

    public string PathWithQuery { get; }

    public string? Authority => "localhost";

    public string Scheme => "http";

    public IReadOnlyList<KeyValuePair<string, byte[]>> Headers { get; }

    public int Status { get; private set; }

    public List<KeyValuePair<string, byte[]>> ResponseHeaders { get; } = [];

    public long? ContentLength { get; private set; }

    public bool Ended { get; private set; }

    public bool Aborted { get; private set; }

    public bool HeadSent { get; private set; }

    /// <summary>The largest single read the host asked for: bodies move in bounded chunks.</summary>
    public int LargestRead { get; private set; }

    public byte[] ResponseBody => _responseBody.ToArray();

    public string ResponseText => Encoding.UTF8.GetString(ResponseBody);

    public string? Header(string name) =>
        ResponseHeaders.Where(h => h.Key == name).Select(h => Encoding.UTF8.GetString(h.Value)).FirstOrDefault();

    public int ReadBody(Span<byte> buffer)
    {
        LargestRead = Math.Max(LargestRead, buffer.Length);
        return _requestBody.Read(buffer);
    }

    public void SendHead(int status, IReadOnlyList<KeyValuePair<string, byte[]>> headers, long? contentLength)
    {
        Assert.False(HeadSent, "the head was sent twice");
        HeadSent = true;
        Status = status;
        ResponseHeaders.AddRange(headers);
        ContentLength = contentLength;
    }

    public void WriteBody(ReadOnlySpan<byte> data)
    {
        Assert.True(HeadSent, "body bytes before the head");
        Assert.False(Ended, "body bytes after the end");
        _responseBody.Write(data);
    }

    public void EndBody()
    {
        Assert.False(Ended, "the body was ended twice");
        Ended = true;
    }

    public void Abort() => Aborted = true;
}
