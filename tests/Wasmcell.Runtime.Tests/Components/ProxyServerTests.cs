using System.Net;
using System.Net.Sockets;
using System.Text;
using Wasmcell.Runtime.Components;
using Wasmcell.Runtime.Components.Http;
using Wasmcell.Runtime.Components.Http.Server;

namespace Wasmcell.Runtime.Tests.Components;

/// <summary>hello-proxy.component.wasm behind the cell's HTTP/1.1 server on a loopback listener.</summary>
public sealed class ProxyServerTests(ProxyFixture fixture) : IClassFixture<ProxyFixture>
{
    private readonly StringBuilder _stderr = new();

    /// <summary>A running server; disposing it stops it and checks the drain finished.</summary>
    private sealed class Running : IDisposable
    {
        private readonly Thread _thread;
        private bool _drained;

        public Running(HttpServer server, Socket listener)
        {
            Server = server;
            Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            _thread = new Thread(() => _drained = server.Run()) { IsBackground = true };
            _thread.Start();
        }

        public HttpServer Server { get; }

        public int Port { get; }

        public Uri Url(string path) => new($"http://127.0.0.1:{Port}{path}");

        /// <summary>Stops and waits; true when every request in flight finished.</summary>
        public bool StopAndWait()
        {
            Server.Stop();
            Assert.True(_thread.Join(TimeSpan.FromSeconds(20)), "the server did not stop");
            return _drained;
        }

        public void Dispose()
        {
            if (_thread.IsAlive)
            {
                StopAndWait();
            }
        }
    }

    private Running Serve(ProxyComponent? proxy = null, HttpServerOptions? options = null)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(128);
        var environment = new ProxyEnvironment
        {
            Stdout = _ => { },
            Stderr = b => { lock (_stderr) { _stderr.Append(Encoding.UTF8.GetString(b)); } },
        };
        return new Running(new HttpServer(proxy ?? fixture.Proxy, [listener], environment, options), listener);
    }

    private string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    [Fact]
    public async Task A_GET_is_answered_by_the_guest()
    {
        using var server = Serve();
        using var client = new HttpClient();

        using var response = await client.GetAsync(server.Url("/hi?x=1"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hello from componentize-js: GET /hi body=\n", await response.Content.ReadAsStringAsync());
        Assert.Equal("p2-proxy", response.Headers.GetValues("x-guest").Single());
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_1_MiB_POST_is_echoed_whole()
    {
        using var server = Serve();
        using var client = new HttpClient();
        var body = string.Concat(Enumerable.Range(0, 1 << 20).Select(i => (char)('a' + i % 26)));

        using var response = await client.PostAsync(server.Url("/echo"), new StringContent(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal($"hello from componentize-js: POST /echo body={body}\n", text);
    }

    [Fact]
    public async Task A_chunked_POST_is_read_whole()
    {
        using var server = Serve();
        using var client = new HttpClient();
        var content = new StreamContent(new MemoryStream(Encoding.ASCII.GetBytes("chunked body")));
        using var request = new HttpRequestMessage(HttpMethod.Post, server.Url("/c")) { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await client.SendAsync(request);

        Assert.Equal("hello from componentize-js: POST /c body=chunked body\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public void Requests_on_one_kept_alive_connection_are_each_answered()
    {
        using var server = Serve();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Connect(IPAddress.Loopback, server.Port);
        using var stream = new NetworkStream(socket);

        var first = Exchange(stream, "GET /one HTTP/1.1\r\nHost: x\r\n\r\n");
        var second = Exchange(stream, "POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");

        Assert.Contains("GET /one body=", first);
        Assert.Contains("POST /two body=abc", second);
    }

    [Fact]
    public async Task Concurrent_requests_are_all_answered()
    {
        using var server = Serve();
        using var client = new HttpClient();

        var answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => client.GetStringAsync(server.Url($"/r{i}"))));

        for (var i = 0; i < answers.Length; i++)
        {
            Assert.Equal($"hello from componentize-js: GET /r{i} body=\n", answers[i]);
        }
    }

    [Fact]
    public async Task A_trap_answers_500_with_the_trap_on_stderr_and_the_server_keeps_serving()
    {
        using var engine = new WasmEngine();
        using var trapping = Assert.IsType<ProxyComponent>(ComponentLoader.Load(engine, "/trap.wasm", TestComponents.Proxy("unreachable")));
        using var server = Serve(trapping);
        using var client = new HttpClient();

        using var first = await client.GetAsync(server.Url("/a"));
        using var second = await client.GetAsync(server.Url("/b"));

        Assert.Equal(HttpStatusCode.InternalServerError, first.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, second.StatusCode);
        // The server reports a failure after the response is out: give it a moment.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!Stderr.Contains("GET /b", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.Contains("/trap.wasm: GET /a: wasm trap", Stderr);
        Assert.Contains("unreachable", Stderr);
        Assert.Contains("GET /b", Stderr);
        Assert.Equal(2, server.Server.Failures);
    }

    [Fact]
    public void A_HEAD_gets_the_GETs_head_without_its_body_and_HTTP_1_0_gets_a_closing_connection()
    {
        using var server = Serve();

        var head = SendAndReadToClose(server.Port, "HEAD /h HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        var old = SendAndReadToClose(server.Port, "GET /old HTTP/1.0\r\nHost: x\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", head);
        Assert.Contains("content-length: 42\r\n", head); // what the GET's body would be
        Assert.EndsWith("\r\n\r\n", head);
        Assert.Contains("connection: close\r\n", old);
        Assert.EndsWith("hello from componentize-js: GET /old body=\n", old);
    }

    [Fact]
    public void A_malformed_request_gets_400_and_the_connection_closes()
    {
        using var server = Serve();

        var answer = SendAndReadToClose(server.Port, "GET / HTTP/1.1\r\nBad Header\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", answer);
    }

    [Fact]
    public void A_stop_lets_a_request_in_flight_finish_then_closes()
    {
        using var server = Serve();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Connect(IPAddress.Loopback, server.Port);
        using var stream = new NetworkStream(socket);
        // A first request warms the server up (a connection whose next head has not been read yet counts as idle).
        Assert.Contains("GET /warm body=", Exchange(stream, "GET /warm HTTP/1.1\r\nHost: x\r\n\r\n"));
        // Half the body: the guest is in flight, blocked reading the rest.
        stream.Write("POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabc"u8);
        Thread.Sleep(300);

        server.Server.Stop();
        Thread.Sleep(200);
        stream.Write("def"u8);
        var answer = new StreamReader(stream).ReadToEnd();

        Assert.Contains("POST /slow body=abcdef", answer);
        Assert.Contains("connection: close", answer);
        Assert.True(server.StopAndWait());
        using var late = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Assert.ThrowsAny<SocketException>(() => late.Connect(IPAddress.Loopback, server.Port));
    }

    [Fact]
    public void A_drain_that_times_out_cuts_the_request_still_in_flight()
    {
        // The timed-out drain stops the proxy for good: its own, not the class's.
        using var proxy = fixture.Load();
        using var server = Serve(proxy, new HttpServerOptions { DrainTimeout = TimeSpan.FromMilliseconds(300) });
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Connect(IPAddress.Loopback, server.Port);
        using var stream = new NetworkStream(socket);
        Assert.Contains("GET /warm body=", Exchange(stream, "GET /warm HTTP/1.1\r\nHost: x\r\n\r\n"));
        // The rest of this body never comes: the guest stays blocked reading it.
        stream.Write("POST /stuck HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"u8);
        Thread.Sleep(300);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(server.StopAndWait());

        // It waited out the drain before cutting (StopAndWait bounds the whole stop; a busy machine may take long).
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(250), $"cut after {clock.Elapsed.TotalMilliseconds:0} ms, before the 300 ms drain");
    }

    /// <summary>Sends <paramref name="request"/> on a new connection and reads until the server closes it.</summary>
    private static string SendAndReadToClose(int port, string request)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Connect(IPAddress.Loopback, port);
        using var stream = new NetworkStream(socket);
        stream.Write(Encoding.ASCII.GetBytes(request));
        return new StreamReader(stream).ReadToEnd();
    }

    /// <summary>Sends one request and reads one response whose body is chunked or has a Content-Length.</summary>
    private static string Exchange(NetworkStream stream, string request)
    {
        stream.Write(Encoding.ASCII.GetBytes(request));
        var head = new StringBuilder();
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            var b = stream.ReadByte();
            Assert.NotEqual(-1, b);
            head.Append((char)b);
        }
        var text = head.ToString();
        var body = new StringBuilder();
        if (text.Contains("transfer-encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            while (true)
            {
                var size = Convert.ToInt32(ReadLine(stream), 16);
                if (size == 0)
                {
                    ReadLine(stream);
                    break;
                }
                var chunk = new byte[size];
                stream.ReadExactly(chunk);
                body.Append(Encoding.UTF8.GetString(chunk));
                ReadLine(stream);
            }
        }
        else
        {
            var length = int.Parse(text.Split("\r\n").First(l => l.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase)).Split(':')[1].Trim());
            var bytes = new byte[length];
            stream.ReadExactly(bytes);
            body.Append(Encoding.UTF8.GetString(bytes));
        }
        return text + body;
    }

    private static string ReadLine(NetworkStream stream)
    {
        var line = new StringBuilder();
        int b;
        while ((b = stream.ReadByte()) != '\n')
        {
            Assert.NotEqual(-1, b);
            line.Append((char)b);
        }
        return line.ToString().TrimEnd('\r');
    }
}
