using System.Net;
using System.Net.Sockets;
using System.Text;
using Wasmcell.Runtime.Components.Http.Server;

namespace Wasmcell.Runtime.Tests.Components;

/// <summary>The server's HTTP/1.1 request head and body parsing (RFC 9112), fed raw bytes over a loopback connection.</summary>
public sealed class RequestParsingTests
{
    /// <summary>Parses <paramref name="raw"/> (the peer then closes) and reads the whole body.</summary>
    private static (RequestHead? Head, string Body) Parse(string raw)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        using var server = listener.Accept();
        client.Send(Encoding.Latin1.GetBytes(raw));
        client.Shutdown(SocketShutdown.Send);
        var reader = new ConnectionReader(server);
        var head = RequestHead.Read(reader);
        if (head is null)
        {
            return (null, "");
        }
        var body = RequestBody.For(head, reader);
        var bytes = new MemoryStream();
        var buffer = new byte[7]; // small on purpose: chunk and buffer boundaries fall mid-read
        int n;
        while ((n = body.Read(buffer)) > 0)
        {
            bytes.Write(buffer, 0, n);
        }
        Assert.True(body.Complete);
        return (head, Encoding.Latin1.GetString(bytes.ToArray()));
    }

    [Fact]
    public void A_request_line_and_headers_are_read_with_names_lower_cased()
    {
        var (head, body) = Parse("\r\nGET /a/b?c=1 HTTP/1.1\r\nHost: example\r\nX-Thing:  two words \r\nx-thing: again\r\n\r\n");

        Assert.NotNull(head);
        Assert.Equal("GET", head.Method);
        Assert.Equal("/a/b?c=1", head.Target);
        Assert.Equal(1, head.Minor);
        Assert.Equal([new("host", "example"), new("x-thing", "two words"), new("x-thing", "again")], head.Headers);
        Assert.True(head.KeepAlive);
        Assert.Equal("", body);
    }

    [Theory]
    [InlineData("HTTP/1.1", "", true)]
    [InlineData("HTTP/1.1", "Connection: close\r\n", false)]
    [InlineData("HTTP/1.0", "", false)]
    [InlineData("HTTP/1.0", "Connection: keep-alive\r\n", true)]
    public void Keep_alive_follows_the_version_and_the_connection_header(string version, string header, bool keepAlive) =>
        Assert.Equal(keepAlive, Parse($"GET / {version}\r\n{header}\r\n").Head!.KeepAlive);

    [Fact]
    public void A_content_length_body_is_read_exactly()
    {
        var (_, body) = Parse("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello worldNEXT");
        Assert.Equal("hello world", body);
    }

    [Fact]
    public void A_chunked_body_is_decoded_with_extensions_ignored_and_trailers_dropped()
    {
        var (_, body) = Parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0a\r\n, chunked!\r\n0\r\nTrailer: x\r\n\r\n");
        Assert.Equal("hello, chunked!", body);
    }

    [Fact]
    public void A_peer_that_closes_before_a_request_gives_no_head() => Assert.Null(Parse("").Head);

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nBad Header\r\n\r\n", 400)]
    [InlineData("GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n", 400)]
    [InlineData("GET /\r\n\r\n", 400)]
    [InlineData("GET / HTTP/2.0\r\n\r\n", 505)]
    [InlineData("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400)]
    [InlineData("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400)]
    [InlineData("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400)]
    [InlineData("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501)]
    public void A_malformed_or_ambiguous_request_is_refused_with_its_status(string raw, int status)
    {
        var e = Assert.Throws<RequestRefusedException>(() => Parse(raw));
        Assert.Equal(status, e.Status);
    }

    [Fact]
    public void A_header_section_over_64_KiB_is_refused_with_431()
    {
        var headers = string.Concat(Enumerable.Range(0, 20).Select(i => $"X-{i}: {new string('v', 4000)}\r\n"));
        var e = Assert.Throws<RequestRefusedException>(() => Parse($"GET / HTTP/1.1\r\n{headers}\r\n"));
        Assert.Equal(431, e.Status);
    }

    [Fact]
    public void A_body_cut_short_by_the_peer_is_an_io_error() =>
        Assert.Throws<IOException>(() => Parse("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nshort"));
}
