using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Wasmcell.Ttrpc.Tests.Infrastructure;

namespace Wasmcell.Ttrpc.Tests;

/// <summary>Our client against our server over a real unix socket.</summary>
public sealed class RoundTripTests : IAsyncLifetime
{
    private const string Service = "test.v1.Things";
    private readonly TestServer _server = new();
    private TtrpcClient _client = null!;

    public async Task InitializeAsync()
    {
        _server.Server.Register(Service, "Echo", StringValue.Parser, (request, _) => Task.FromResult<IMessage>(new StringValue { Value = "echo " + request.Value }));
        _client = await _server.ConnectAsync();
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Round_trips_a_typed_request_and_response()
    {
        StringValue reply = await _client.CallAsync(Service, "Echo", new StringValue { Value = "hello" }, StringValue.Parser);

        Assert.Equal("echo hello", reply.Value);
        Assert.Empty(_server.Log);
    }

    [Fact]
    public void A_one_shot_blocking_call_round_trips_and_carries_the_server_s_status()
    {
        _server.Server.Register(Service, "Refuse", StringValue.Parser, (_, _) => throw new TtrpcException(StatusCode.FailedPrecondition, "not now"));

        var reply = TtrpcClient.CallOnce(_server.Path, Service, "Echo", new StringValue { Value = "once" }, StringValue.Parser, TimeSpan.FromSeconds(5));
        var refused = Assert.Throws<TtrpcException>(() =>
            TtrpcClient.CallOnce(_server.Path, Service, "Refuse", new StringValue(), StringValue.Parser, TimeSpan.FromSeconds(5)));
        var nobody = Assert.Throws<TtrpcException>(() =>
            TtrpcClient.CallOnce(_server.Path + ".none", Service, "Echo", new StringValue(), StringValue.Parser, TimeSpan.FromSeconds(5)));

        Assert.Equal("echo once", reply.Value);
        Assert.Equal((StatusCode.FailedPrecondition, "not now"), (refused.Code, refused.Message));
        Assert.Equal(StatusCode.Unavailable, nobody.Code);
        Assert.IsType<System.Net.Sockets.SocketException>(nobody.InnerException);
    }

    [Fact]
    public void A_one_shot_call_runs_on_a_connection_the_caller_made_and_a_silent_peer_is_a_deadline()
    {
        using (var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified))
        {
            socket.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(_server.Path));
            using var stream = new System.Net.Sockets.NetworkStream(socket);
            var reply = TtrpcClient.CallOnce(stream, _server.Path, Service, "Echo", new StringValue { Value = "mine" }, StringValue.Parser, TimeSpan.FromSeconds(5));
            Assert.Equal("echo mine", reply.Value);
        }

        var silent = new SilentStream();
        var late = Assert.Throws<TtrpcException>(() =>
            TtrpcClient.CallOnce(silent, "silent", Service, "Echo", new StringValue(), StringValue.Parser, TimeSpan.FromSeconds(5)));
        Assert.Equal(StatusCode.DeadlineExceeded, late.Code);
        Assert.True(silent.Written > 0, "the request was not sent");
    }

    /// <summary>A connection whose peer reads the request and never answers, as a plain fd with SO_RCVTIMEO reports it.</summary>
    private sealed class SilentStream : Stream
    {
        public int Written { get; private set; }

        public override bool CanRead => true;

        public override bool CanWrite => true;

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("read: timed out", new TimeoutException());

        public override void Write(byte[] buffer, int offset, int count) => Written += count;

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    [Fact]
    public async Task Gives_a_raw_handler_the_payload_service_method_and_metadata()
    {
        TtrpcCallContext? seen = null;
        byte[] payload = [];
        _server.Server.Register("raw.Service", "Inspect", (bytes, context) =>
        {
            seen = context;
            payload = bytes.ToArray();
            return Task.FromResult<IMessage>(new Empty());
        });
        KeyValuePair<string, string>[] metadata = [new("containerd-namespace-ttrpc", "k8s.io"), new("traceparent", "00-ab-cd-01")];

        Empty reply = await _client.CallAsync("raw.Service", "Inspect", new Int32Value { Value = 300 }, Empty.Parser, metadata: metadata);

        Assert.Equal(new Empty(), reply);
        Assert.Equal(new Int32Value { Value = 300 }.ToByteArray(), payload);
        Assert.Equal("raw.Service", seen!.Service);
        Assert.Equal("Inspect", seen.Method);
        Assert.Equal(metadata, seen.Metadata);
        Assert.False(seen.CancellationToken.IsCancellationRequested);
    }

    [Fact]
    public async Task Accepts_the_unix_scheme_prefix()
    {
        await using TtrpcClient client = await TtrpcClient.ConnectAsync("unix://" + _server.Path, CancellationToken.None);

        Assert.Equal("echo x", (await client.CallAsync(Service, "Echo", new StringValue { Value = "x" }, StringValue.Parser)).Value);
    }

    [Theory]
    [InlineData("missing.Service", "Echo", "service missing.Service")]
    [InlineData(Service, "Missing", "method Missing")]
    public async Task Unknown_service_or_method_is_Unimplemented(string service, string method, string message)
    {
        var ex = await Assert.ThrowsAsync<TtrpcException>(() => _client.CallAsync(service, method, new Empty(), Empty.Parser));

        Assert.Equal(StatusCode.Unimplemented, ex.Code);
        Assert.Equal(message, ex.Message);
    }

    public static TheoryData<Exception, StatusCode, string> HandlerFailures => new()
    {
        { new TtrpcException(StatusCode.NotFound, "process already finished: not found"), StatusCode.NotFound, "process already finished: not found" },
        { new TtrpcException(StatusCode.FailedPrecondition, "container is running"), StatusCode.FailedPrecondition, "container is running" },
        { new InvalidOperationException("boom"), StatusCode.Unknown, "boom" },
        { new OperationCanceledException("gave up on my own"), StatusCode.Unknown, "gave up on my own" },
    };

    [Theory]
    [MemberData(nameof(HandlerFailures))]
    public async Task Maps_handler_exceptions_to_status_codes(Exception thrown, StatusCode code, string message)
    {
        _server.Server.Register("fail.Service", "Throw", (_, _) => throw thrown);

        var ex = await Assert.ThrowsAsync<TtrpcException>(() => _client.CallAsync("fail.Service", "Throw", new Empty(), Empty.Parser));

        Assert.Equal(code, ex.Code);
        Assert.Equal(message, ex.Message);
        Assert.False(_client.IsClosed);
    }

    [Fact]
    public async Task Maps_an_asynchronous_handler_failure_too()
    {
        _server.Server.Register("fail.Service", "Later", async (_, _) =>
        {
            await Task.Yield();
            throw new TtrpcException(StatusCode.AlreadyExists, "id exists");
        });

        var ex = await Assert.ThrowsAsync<TtrpcException>(() => _client.CallAsync("fail.Service", "Later", new Empty(), Empty.Parser));

        Assert.Equal(StatusCode.AlreadyExists, ex.Code);
    }

    [Fact]
    public async Task Answers_ResourceExhausted_when_the_handler_reply_is_over_4_MiB()
    {
        _server.Server.Register("big.Service", "Get", (_, _) =>
            Task.FromResult<IMessage>(new BytesValue { Value = ByteString.CopyFrom(new byte[4 << 20]) }));

        var ex = await Assert.ThrowsAsync<TtrpcException>(() => _client.CallAsync("big.Service", "Get", new Empty(), BytesValue.Parser));

        Assert.Equal(StatusCode.ResourceExhausted, ex.Code);
        Assert.Equal("echo ok", (await _client.CallAsync(Service, "Echo", new StringValue { Value = "ok" }, StringValue.Parser)).Value);
    }

    [Fact]
    public async Task Carries_a_reply_of_almost_4_MiB()
    {
        int size = (4 << 20) - 64;
        _server.Server.Register("big.Service", "Almost", (_, _) =>
            Task.FromResult<IMessage>(new BytesValue { Value = ByteString.CopyFrom(new byte[size]) }));

        BytesValue reply = await _client.CallAsync("big.Service", "Almost", new Empty(), BytesValue.Parser);

        Assert.Equal(size, reply.Value.Length);
    }

    [Fact]
    public void Refuses_to_register_a_method_twice()
    {
        Assert.Throws<ArgumentException>(() => _server.Server.Register(Service, "Echo", (_, _) => Task.FromResult<IMessage>(new Empty())));
    }
}
