using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Wasmcell.Ttrpc.Tests.Infrastructure;
using Wasmcell.Ttrpc.Wire;

namespace Wasmcell.Ttrpc.Tests;

/// <summary>The client against a hand-scripted server: the bytes it sends and how it reads what comes back.</summary>
public sealed class ClientWireTests : IDisposable
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(10);
    private readonly RawServer _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Sends_requests_on_odd_increasing_stream_ids_byte_for_byte()
    {
        await using TtrpcClient client = await TtrpcClient.ConnectAsync(_server.Path, CancellationToken.None);
        await using RawConnection raw = await _server.AcceptAsync();

        Task<Empty> first = client.CallAsync("a.B", "C", new StringValue { Value = "x" }, Empty.Parser);
        byte[] request1 = await raw.ReadFrameAsync();
        Task<Empty> second = client.CallAsync("a.B", "C", new Empty(), Empty.Parser);
        byte[] request2 = await raw.ReadFrameAsync();
        Task<Empty> third = client.CallAsync("a.B", "C", new Empty(), Empty.Parser);
        byte[] request3 = await raw.ReadFrameAsync();

        // 0a 03 "a.B" 12 01 "C" 1a 03 (0a 01 "x")
        Assert.Equal(Hex.Parse("00 00 00 0d 00 00 00 01 01 00  0a 03 61 2e 42  12 01 43  1a 03 0a 01 78"), request1);
        // An empty payload is left out entirely.
        Assert.Equal(Hex.Parse("00 00 00 08 00 00 00 03 01 00  0a 03 61 2e 42  12 01 43"), request2);
        Assert.Equal(Hex.Parse("00 00 00 05 01 00"), request3[4..10]);
        await raw.SendAsync(Frames.Make(1, 2, []));
        await raw.SendAsync(Frames.Make(3, 2, []));
        await raw.SendAsync(Frames.Make(5, 2, []));
        await Task.WhenAll(first, second, third).WaitAsync(HangGuard);
    }

    [Fact]
    public async Task Takes_a_zero_length_response_as_OK()
    {
        await using TtrpcClient client = await TtrpcClient.ConnectAsync(_server.Path, CancellationToken.None);
        await using RawConnection raw = await _server.AcceptAsync();

        Task<Empty> call = client.CallAsync("containerd.services.events.ttrpc.v1.Events", "Forward", new Empty(), Empty.Parser);
        await raw.ReadFrameAsync();
        await raw.SendAsync(Hex.Parse("00 00 00 00 00 00 00 01 02 00")); // SPEC §11.7 event response

        Assert.Equal(new Empty(), await call.WaitAsync(HangGuard));
    }

    [Fact]
    public async Task Sends_the_timeout_as_timeout_nano_and_metadata_in_order()
    {
        await using TtrpcClient client = await TtrpcClient.ConnectAsync(_server.Path, CancellationToken.None);
        await using RawConnection raw = await _server.AcceptAsync();
        KeyValuePair<string, string>[] metadata = [new("containerd-namespace-ttrpc", "default"), new("k", "v1"), new("k", "v2")];

        Task<Empty> call = client.CallAsync("s", "m", new Empty(), Empty.Parser, TimeSpan.FromSeconds(5), metadata);
        Request request = Request.Parser.ParseFrom((await raw.ReadFrameAsync()).AsSpan(10));

        Assert.Equal(5_000_000_000, request.TimeoutNano);
        Assert.Equal(metadata, request.Metadata.Select(kv => new KeyValuePair<string, string>(kv.Key, kv.Value)));
        await raw.SendAsync(Frames.Make(1, 2, []));
        await call.WaitAsync(HangGuard);
    }

    [Fact]
    public async Task Turns_a_non_OK_status_into_TtrpcException()
    {
        await using TtrpcClient client = await TtrpcClient.ConnectAsync(_server.Path, CancellationToken.None);
        await using RawConnection raw = await _server.AcceptAsync();

        Task<Empty> call = client.CallAsync("s", "m", new Empty(), Empty.Parser);
        await raw.ReadFrameAsync();
        await raw.SendAsync(Frames.StatusResponse(1, 5, "process already finished: not found"));

        var ex = await Assert.ThrowsAsync<TtrpcException>(() => call.WaitAsync(HangGuard));
        Assert.Equal(StatusCode.NotFound, ex.Code);
        Assert.Equal("process already finished: not found", ex.Message);
    }

    [Fact]
    public async Task Ignores_responses_for_unknown_streams_and_non_response_frames()
    {
        await using TtrpcClient client = await TtrpcClient.ConnectAsync(_server.Path, CancellationToken.None);
        await using RawConnection raw = await _server.AcceptAsync();

        Task<StringValue> call = client.CallAsync("s", "m", new Empty(), StringValue.Parser);
        await raw.ReadFrameAsync();
        await raw.SendAsync(Frames.Make(99, 2, []));
        await raw.SendAsync(Frames.Make(1, 3, [0x0a, 0x01, 0x7a]));
        var answer = new Response { Status = new Status(), Payload = new StringValue { Value = "ok" }.ToByteString() };
        await raw.SendAsync(Frames.Make(1, 2, answer.ToByteArray()));

        Assert.Equal("ok", (await call.WaitAsync(HangGuard)).Value);
        Assert.False(client.IsClosed);
    }

    [Fact]
    public async Task Refuses_to_send_an_oversized_request_and_stays_usable()
    {
        await using TtrpcClient client = await TtrpcClient.ConnectAsync(_server.Path, CancellationToken.None);
        await using RawConnection raw = await _server.AcceptAsync();
        var huge = new BytesValue { Value = ByteString.CopyFrom(new byte[4 << 20]) };

        var ex = await Assert.ThrowsAsync<TtrpcException>(() => client.CallAsync("s", "m", huge, Empty.Parser));

        Assert.Equal(StatusCode.ResourceExhausted, ex.Code);
        Task<Empty> next = client.CallAsync("s", "m", new Empty(), Empty.Parser);
        Assert.Equal(Hex.Parse("00 00 00 03 01 00"), (await raw.ReadFrameAsync())[4..10]); // first frame on the wire is stream 3
        await raw.SendAsync(Frames.Make(3, 2, []));
        await next.WaitAsync(HangGuard);
    }

    [Fact]
    public async Task Fails_pending_calls_with_Unavailable_when_the_server_hangs_up()
    {
        TtrpcClient client = await TtrpcClient.ConnectAsync(_server.Path, CancellationToken.None);
        RawConnection raw = await _server.AcceptAsync();
        Task<Empty> first = client.CallAsync("s", "m", new Empty(), Empty.Parser);
        Task<Empty> second = client.CallAsync("s", "m", new Empty(), Empty.Parser);
        await raw.ReadFrameAsync();
        await raw.ReadFrameAsync();

        await raw.DisposeAsync();

        Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<TtrpcException>(() => first.WaitAsync(HangGuard))).Code);
        Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<TtrpcException>(() => second.WaitAsync(HangGuard))).Code);
        Assert.True(client.IsClosed);
        var later = await Assert.ThrowsAsync<TtrpcException>(() => client.CallAsync("s", "m", new Empty(), Empty.Parser));
        Assert.Equal(StatusCode.Unavailable, later.Code);
        await client.DisposeAsync();
    }

    [Fact]
    public async Task Fails_with_Unavailable_when_the_connection_breaks_mid_frame()
    {
        await using TtrpcClient client = await TtrpcClient.ConnectAsync(_server.Path, CancellationToken.None);
        RawConnection raw = await _server.AcceptAsync();
        Task<Empty> call = client.CallAsync("s", "m", new Empty(), Empty.Parser);
        await raw.ReadFrameAsync();

        await raw.SendAsync(Hex.Parse("00 00 00 09 00 00 00 01 02 00 0a"));
        await raw.DisposeAsync();

        Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<TtrpcException>(() => call.WaitAsync(HangGuard))).Code);
        Assert.True(client.IsClosed);
    }

    [Fact]
    public async Task Reports_a_missing_socket_as_Unavailable()
    {
        var ex = await Assert.ThrowsAsync<TtrpcException>(
            () => TtrpcClient.ConnectAsync("unix://" + _server.Path + ".missing", CancellationToken.None));

        Assert.Equal(StatusCode.Unavailable, ex.Code);
        Assert.IsType<System.Net.Sockets.SocketException>(ex.InnerException);
    }

    [Fact]
    public async Task Abandons_a_call_on_cancellation_without_breaking_the_connection()
    {
        await using TtrpcClient client = await TtrpcClient.ConnectAsync(_server.Path, CancellationToken.None);
        await using RawConnection raw = await _server.AcceptAsync();
        using var cancel = new CancellationTokenSource();

        Task<Empty> call = client.CallAsync("s", "m", new Empty(), Empty.Parser, cancellationToken: cancel.Token);
        await raw.ReadFrameAsync();
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(HangGuard));
        await raw.SendAsync(Frames.Make(1, 2, [])); // the late answer is dropped
        Task<Empty> next = client.CallAsync("s", "m", new Empty(), Empty.Parser);
        await raw.ReadFrameAsync();
        await raw.SendAsync(Frames.Make(3, 2, []));
        await next.WaitAsync(HangGuard);
        Assert.False(client.IsClosed);
    }
}
