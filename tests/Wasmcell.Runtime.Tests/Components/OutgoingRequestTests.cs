using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Wasmcell.Runtime.Components.Http;
using Wasmcell.Runtime.Components.Http.Client;

namespace Wasmcell.Runtime.Tests.Components;

/// <summary>
/// wasi:http/outgoing-handler: fetch.js (componentize-js, its fetch() on the host's outgoing-handler) relays requests
/// to an upstream HTTP server the test runs on loopback, and the host's HTTP/1.1 client on its own.
/// </summary>
public sealed class OutgoingRequestTests(FetchProxyFixture fixture) : IClassFixture<FetchProxyFixture>
{
    private readonly List<string> _stdout = [], _stderr = [];

    private ProxyEnvironment Environment(bool allow = true, X509Certificate2Collection? trustedRoots = null) => new()
    {
        TrustedRoots = trustedRoots,
        Stdout = b => { lock (_stdout) { _stdout.Add(Encoding.UTF8.GetString(b)); } },
        Stderr = b => { lock (_stderr) { _stderr.Add(Encoding.UTF8.GetString(b)); } },
        AllowOutgoingRequests = allow,
    };

    private string Stderr { get { lock (_stderr) { return string.Concat(_stderr); } } }

    private string Stdout { get { lock (_stdout) { return string.Concat(_stdout); } } }

    private static string Relay(string url) => "/?url=" + Uri.EscapeDataString(url);

    [Fact]
    public void A_GET_reaches_the_upstream_and_its_status_header_and_body_come_back()
    {
        using var upstream = new Upstream(_ => (201, [("x-upstream", "yes")], "from upstream\n"u8.ToArray(), false));
        var exchange = new InMemoryExchange("GET", Relay($"{upstream.Url}/some/path?q=1"));

        var outcome = fixture.Proxy.Handle(exchange, Environment());

        Assert.Null(outcome.Failure);
        Assert.Equal(201, exchange.Status);
        Assert.Equal("from upstream\n", exchange.ResponseText);
        Assert.Equal("yes", exchange.Header("x-upstream"));
        var seen = Assert.Single(upstream.Requests);
        Assert.Equal("GET", seen.Method);
        Assert.Equal("/some/path?q=1", seen.Target);
        Assert.Equal($"127.0.0.1:{upstream.Port}", seen.Header("host"));
        Assert.Equal("fetch.js", seen.Header("x-guest"));
        Assert.Contains($"fetch.js: GET {upstream.Url}/some/path?q=1", Stdout);
    }

    [Fact]
    public void Localhost_is_loopback_and_the_host_header_is_the_authority_as_given()
    {
        using var upstream = new Upstream(_ => (200, [], "local\n"u8.ToArray(), false));
        var exchange = new InMemoryExchange("GET", Relay($"http://localhost:{upstream.Port}/"));

        var outcome = fixture.Proxy.Handle(exchange, Environment());

        Assert.Null(outcome.Failure);
        Assert.Equal("local\n", exchange.ResponseText);
        Assert.Equal($"localhost:{upstream.Port}", Assert.Single(upstream.Requests).Header("host"));
    }

    [Fact]
    public void A_POST_body_is_streamed_to_the_upstream()
    {
        using var upstream = new Upstream(r => (200, [], Encoding.ASCII.GetBytes($"got {r.Body.Length} bytes"), false));
        var body = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 30_000).Select(i => $"{i:D9}\n")));
        var exchange = new InMemoryExchange("POST", Relay($"{upstream.Url}/upload"), body, ("Content-Type", "text/plain"));

        var outcome = fixture.Proxy.Handle(exchange, Environment());

        Assert.Null(outcome.Failure);
        Assert.Equal($"got {body.Length} bytes", exchange.ResponseText);
        var seen = Assert.Single(upstream.Requests);
        Assert.Equal("POST", seen.Method);
        Assert.Equal(body, seen.Body);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_response_body_over_1_MiB_comes_back_whole_with_a_length_or_chunked(bool chunked)
    {
        var big = new byte[1_500_000];
        new Random(14).NextBytes(big);
        using var upstream = new Upstream(_ => (200, [], big, chunked));
        var exchange = new InMemoryExchange("GET", Relay($"{upstream.Url}/big"));

        var outcome = fixture.Proxy.Handle(exchange, Environment());

        Assert.Null(outcome.Failure);
        Assert.Equal(200, exchange.Status);
        Assert.Equal(big.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), exchange.Header("x-upstream-length"));
        Assert.Equal(big, exchange.ResponseBody);
    }

    [Fact]
    public void A_refused_connection_is_connection_refused()
    {
        var port = FreePort();
        var exchange = new InMemoryExchange("GET", Relay($"http://127.0.0.1:{port}/"));

        var outcome = fixture.Proxy.Handle(exchange, Environment());

        Assert.Null(outcome.Failure);
        Assert.Equal(502, exchange.Status);
        Assert.Contains($"outgoing request GET http://127.0.0.1:{port}/: connection-refused", Stderr);
        Assert.Contains("fetch.js:", Stderr); // the guest's console.error
    }

    [Fact]
    public void An_unknown_host_is_a_DNS_error()
    {
        var exchange = new InMemoryExchange("GET", Relay("http://no-such-host.invalid/"));

        fixture.Proxy.Handle(exchange, Environment());

        Assert.Equal(502, exchange.Status);
        Assert.Contains("outgoing request GET http://no-such-host.invalid/: DNS-error", Stderr);
    }

    [Fact]
    public void Without_the_socket_policy_handle_answers_HTTP_request_denied_and_nothing_is_sent()
    {
        using var upstream = new Upstream(_ => (200, [], [], false));
        var exchange = new InMemoryExchange("GET", Relay($"{upstream.Url}/"));

        fixture.Proxy.Handle(exchange, Environment(allow: false));

        Assert.Equal(502, exchange.Status);
        Assert.Contains("HTTP-request-denied - this container may not open sockets", Stderr);
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public void Https_goes_over_TLS_to_a_server_whose_certificate_is_trusted()
    {
        using var certificate = Upstream.SelfSigned();
        using var upstream = new Upstream(_ => (200, [("x-upstream", "tls")], "over TLS\n"u8.ToArray(), true)) { Certificate = certificate };
        var exchange = new InMemoryExchange("GET", Relay($"{upstream.Url}/secure"));

        var outcome = fixture.Proxy.Handle(exchange, Environment(trustedRoots: [X509CertificateLoader.LoadCertificate(certificate.RawData)]));

        Assert.Null(outcome.Failure);
        Assert.Equal(200, exchange.Status);
        Assert.Equal("over TLS\n", exchange.ResponseText);
        Assert.Equal("tls", exchange.Header("x-upstream"));
        Assert.Equal("/secure", Assert.Single(upstream.Requests).Target);
    }

    [Fact]
    public void Https_to_a_server_whose_certificate_is_not_trusted_is_a_TLS_certificate_error()
    {
        using var certificate = Upstream.SelfSigned();
        using var upstream = new Upstream(_ => (200, [], [], false)) { Certificate = certificate };
        var exchange = new InMemoryExchange("GET", Relay($"{upstream.Url}/"));

        fixture.Proxy.Handle(exchange, Environment());

        Assert.Equal(502, exchange.Status);
        Assert.Contains($"outgoing request GET {upstream.Url}/: TLS-certificate-error", Stderr);
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task Stopping_the_proxy_ends_a_guest_waiting_for_an_upstream_that_never_answers()
    {
        using var proxy = fixture.Load();
        using var received = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        using var upstream = new Upstream(_ =>
        {
            received.Set();
            release.Wait(TimeSpan.FromMinutes(2));
            return (200, [], [], false);
        });
        var exchange = new InMemoryExchange("GET", Relay($"{upstream.Url}/hang"));
        var handling = Task.Run(() => proxy.Handle(exchange, Environment()));
        Assert.True(received.Wait(TimeSpan.FromMinutes(1)), "the upstream never got the request");

        proxy.Stop();
        var outcome = await handling.WaitAsync(TimeSpan.FromMinutes(1));
        release.Set();

        Assert.Equal(500, exchange.Status);
        Assert.Contains("stopped", outcome.Failure);
    }

    [Fact]
    public async Task The_client_honours_the_first_byte_timeout()
    {
        using var release = new ManualResetEventSlim();
        using var upstream = new Upstream(_ =>
        {
            release.Wait(TimeSpan.FromMinutes(2));
            return (200, [], [], false);
        });
        var timeouts = new OutgoingTimeouts(TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(30));
        using var call = OutgoingCall.Start(new OutgoingTarget("GET", "127.0.0.1", upstream.Port, $"127.0.0.1:{upstream.Port}", "/", []), timeouts, null, default);

        var failure = await Assert.ThrowsAsync<HttpErrorException>(() => call.Response.WaitAsync(TimeSpan.FromMinutes(1)));
        release.Set();

        Assert.Equal("connection-read-timeout", failure.Code.Case);
    }

    [Fact]
    public void Request_options_keep_the_timeouts_the_guest_sets()
    {
        using var options = Assert.IsType<ProxyComponent>(Runtime.Components.ComponentLoader.Load(fixture.Engine, "/options.wasm", TestComponents.RequestOptionsProxy()));
        var exchange = new InMemoryExchange("GET", "/");

        var outcome = options.Handle(exchange, Environment());

        // Past every check (a timeout read back wrong traps with "unreachable"), to the end without a response.
        Assert.Contains("without setting a response", outcome.Failure);
    }

    [Fact]
    public async Task The_client_reads_a_chunked_response_and_leaves_out_hop_by_hop_fields()
    {
        using var upstream = new Upstream(_ => (200, [("x-upstream", "1")], "abcdef"u8.ToArray(), true));
        using var call = OutgoingCall.Start(new OutgoingTarget("GET", "127.0.0.1", upstream.Port, $"127.0.0.1:{upstream.Port}", "/c", []),
            new OutgoingTimeouts(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30)), null, default);

        var head = await call.Response.WaitAsync(TimeSpan.FromMinutes(1));
        var buffer = new byte[16];
        var body = new MemoryStream();
        int n;
        while ((n = head.Body.Read(buffer)) > 0)
        {
            body.Write(buffer, 0, n);
        }

        Assert.Equal(200, head.Status);
        Assert.Equal("abcdef", Encoding.ASCII.GetString(body.ToArray()));
        Assert.Contains(head.Headers, h => h.Key == "x-upstream");
        Assert.DoesNotContain(head.Headers, h => h.Key is "transfer-encoding" or "connection");
    }

    [Fact]
    public async Task A_body_stalled_longer_than_the_between_bytes_timeout_is_a_stream_error()
    {
        using var upstream = new Upstream(_ => (200, [], "12345"u8.ToArray(), false)) { DeclaredLength = 10 };
        var timeouts = new OutgoingTimeouts(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(300));
        using var call = OutgoingCall.Start(Target(upstream, "GET"), timeouts, null, default);
        var head = await call.Response.WaitAsync(TimeSpan.FromMinutes(1));
        var body = new ResponseBodyInput(call, head.Body, default);
        var buffer = new byte[16];

        Assert.Equal(5, ReadAll(body, buffer, 5));
        var stalled = Assert.Throws<HttpStreamException>(() => body.Read(buffer));

        Assert.Contains("between-bytes timeout", stalled.Message);
        Assert.Equal("connection-read-timeout", IoError.From(stalled).Code?.Case); // what http-error-code answers
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_request_body_goes_out_with_a_length_when_finished_before_handle_and_chunked_after(bool finishedFirst)
    {
        using var upstream = new Upstream(r => (200, [], r.Body, false));
        var body = new OutgoingRequestBody();
        body.Write("early,"u8);
        if (finishedFirst)
        {
            body.Finish();
        }
        using var call = OutgoingCall.Start(Target(upstream, "PUT"), Defaults, body, default);
        if (!finishedFirst)
        {
            body.Write("late"u8);
            body.Finish();
        }
        await call.Response.WaitAsync(TimeSpan.FromMinutes(1));

        var seen = Assert.Single(upstream.Requests);
        Assert.Equal(finishedFirst ? "early," : "early,late", Encoding.ASCII.GetString(seen.Body));
        Assert.Equal(finishedFirst ? "6" : null, seen.Header("content-length"));
        Assert.Equal(finishedFirst ? null : "chunked", seen.Header("transfer-encoding"));
    }

    [Fact]
    public void A_body_shorter_than_its_content_length_is_HTTP_request_body_size_and_a_longer_one_a_write_error()
    {
        using var upstream = new Upstream(r => (200, [], [], false));
        var body = new OutgoingRequestBody();
        using var call = OutgoingCall.Start(Target(upstream, "POST", ("content-length", "10")), Defaults, body, default);
        body.Write("short"u8);

        var error = Assert.Throws<HttpErrorException>(body.Finish);

        Assert.Equal("HTTP-request-body-size", error.Code.Case);
        var longer = new OutgoingRequestBody();
        using var second = OutgoingCall.Start(Target(upstream, "POST", ("content-length", "3")), Defaults, longer, default);
        Assert.Throws<IOException>(() => longer.Write("more than declared"u8));
    }

    private static readonly OutgoingTimeouts Defaults = new(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));

    private static OutgoingTarget Target(Upstream upstream, string method, params (string Name, string Value)[] headers) =>
        new(method, "127.0.0.1", upstream.Port, $"127.0.0.1:{upstream.Port}", "/", [.. headers.Select(h => new KeyValuePair<string, byte[]>(h.Name, Encoding.ASCII.GetBytes(h.Value)))]);

    private static int ReadAll(InputStream stream, byte[] buffer, int want)
    {
        var total = 0;
        while (total < want)
        {
            var n = stream.Read(buffer.AsSpan(total, want - total));
            Assert.NotEqual(0, n);
            total += n;
        }
        return total;
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
