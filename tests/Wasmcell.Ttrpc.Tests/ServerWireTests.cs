using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Wasmcell.Ttrpc.Tests.Infrastructure;
using Wasmcell.Ttrpc.Wire;

namespace Wasmcell.Ttrpc.Tests;

/// <summary>The server driven by hand-made bytes over a real unix socket; responses checked byte for byte.</summary>
public sealed class ServerWireTests : IAsyncLifetime
{
    private const string Service = "test.Echo";
    private readonly TestServer _server = new();

    public Task InitializeAsync()
    {
        _server.Server.Register(Service, "Echo", StringValue.Parser, (request, _) => Task.FromResult<IMessage>(new StringValue { Value = request.Value }));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Answers_the_observed_Create_request_on_its_stream()
    {
        byte[] received = [];
        _server.Server.Register("containerd.task.v2.Task", "Create", (payload, context) =>
        {
            received = payload.ToArray();
            return Task.FromResult<IMessage>(new Empty());
        });
        byte[] payload = [.. Enumerable.Range(0, 467).Select(i => (byte)i)];
        await using RawConnection raw = await _server.ConnectRawAsync();

        await raw.SendAsync(Hex.Concat(
            Hex.Parse("00 00 01 f7 00 00 00 01 01 00 0a 17"), Hex.Ascii("containerd.task.v2.Task"),
            Hex.Parse("12 06"), Hex.Ascii("Create"), Hex.Parse("1a d3 03"), payload));

        // Response{status:{} (OK), payload: Empty} — the same shape the Go shims send.
        Assert.Equal(Hex.Parse("00 00 00 02 00 00 00 01 02 00 0a 00"), await raw.ReadFrameAsync());
        Assert.Equal(payload, received);
    }

    [Fact]
    public async Task Answers_a_success_with_status_OK_and_the_payload()
    {
        await using RawConnection raw = await _server.ConnectRawAsync();

        await raw.SendAsync(Frames.Request(1, Service, "Echo", new StringValue { Value = "hi" }));

        // status {} then payload = StringValue{"hi"} = 0a 02 'h' 'i'
        Assert.Equal(Hex.Parse("00 00 00 08 00 00 00 01 02 00  0a 00  12 04 0a 02 68 69"), await raw.ReadFrameAsync());
    }

    [Fact]
    public async Task Rejects_an_even_stream_id_with_the_exact_ttrpc_message()
    {
        await using RawConnection raw = await _server.ConnectRawAsync();

        await raw.SendAsync(Frames.Request(2, Service, "Echo", new StringValue { Value = "x" }));

        byte[] expected = Frames.StatusResponse(2, 3, "StreamID must be odd for client initiated streams");
        Assert.Equal(Hex.Parse("00 00 00 37 00 00 00 02 02 00 0a 35 08 03 12 31"), expected[..16]);
        Assert.Equal(expected, await raw.ReadFrameAsync());
    }

    [Fact]
    public async Task Rejects_a_reused_or_decreasing_stream_id_and_keeps_serving()
    {
        await using RawConnection raw = await _server.ConnectRawAsync();

        await raw.SendAsync(Frames.Request(5, Service, "Echo", new StringValue { Value = "a" }));
        Assert.Equal("a", StringValue.Parser.ParseFrom(Frames.ParseResponse(await raw.ReadFrameAsync()).Payload).Value);
        await raw.SendAsync(Frames.Request(5, Service, "Echo", new StringValue { Value = "b" }));
        Assert.Equal(Frames.StatusResponse(5, 3, "StreamID cannot be re-used and must increment"), await raw.ReadFrameAsync());
        await raw.SendAsync(Frames.Request(3, Service, "Echo", new StringValue { Value = "c" }));
        Assert.Equal(Frames.StatusResponse(3, 3, "StreamID cannot be re-used and must increment"), await raw.ReadFrameAsync());

        await raw.SendAsync(Frames.Request(7, Service, "Echo", new StringValue { Value = "d" }));
        Assert.Equal("d", StringValue.Parser.ParseFrom(Frames.ParseResponse(await raw.ReadFrameAsync()).Payload).Value);
    }

    [Fact]
    public async Task Discards_an_oversized_frame_answers_ResourceExhausted_and_keeps_serving()
    {
        await using RawConnection raw = await _server.ConnectRawAsync();

        await raw.SendAsync(Hex.Parse("00 40 00 01  00 00 00 01  01  00"));
        await raw.SendAsync(new byte[(4 << 20) + 1]);

        Assert.Equal(
            Frames.StatusResponse(1, 8, "message length 4194305 exceed maximum message size of 4194304"),
            await raw.ReadFrameAsync());
        await raw.SendAsync(Frames.Request(3, Service, "Echo", new StringValue { Value = "still here" }));
        Response after = Frames.ParseResponse(await raw.ReadFrameAsync());
        Assert.Equal("still here", StringValue.Parser.ParseFrom(after.Payload).Value);
    }

    [Fact]
    public async Task Ignores_non_request_frames()
    {
        await using RawConnection raw = await _server.ConnectRawAsync();

        await raw.SendAsync(Frames.Make(1, 2, [0x0a, 0x00]));       // a Response from the client
        await raw.SendAsync(Frames.Make(3, 3, [0x01], flags: 0x01)); // Data
        await raw.SendAsync(Frames.Make(5, 0x7f, [0x01, 0x02]));    // unknown type
        await raw.SendAsync(Frames.Request(7, Service, "Echo", new StringValue { Value = "next" }));

        byte[] frame = await raw.ReadFrameAsync();
        Assert.Equal(Hex.Parse("00 00 00 07  02  00"), frame[4..10]); // the only answer is to stream 7
        Assert.Equal("next", StringValue.Parser.ParseFrom(Frames.ParseResponse(frame).Payload).Value);
    }

    [Theory]
    [InlineData("no.Such", "Echo", "service no.Such")]
    [InlineData(Service, "Nope", "method Nope")]
    public async Task Answers_Unimplemented_for_unknown_services_and_methods(string service, string method, string message)
    {
        await using RawConnection raw = await _server.ConnectRawAsync();

        await raw.SendAsync(Frames.Request(1, service, method));

        Assert.Equal(Frames.StatusResponse(1, 12, message), await raw.ReadFrameAsync());
    }

    [Fact]
    public async Task Answers_InvalidArgument_to_a_request_that_does_not_parse()
    {
        await using RawConnection raw = await _server.ConnectRawAsync();

        await raw.SendAsync(Frames.Make(1, 1, [0x0a, 0x05, 0x61])); // string field claiming 5 bytes, 1 present

        Response response = Frames.ParseResponse(await raw.ReadFrameAsync());
        Assert.Equal((int)StatusCode.InvalidArgument, response.Status.Code);
        Assert.StartsWith("unmarshal request error:", response.Status.Message);
    }

    [Fact]
    public async Task Answers_InvalidArgument_when_a_typed_handler_payload_does_not_parse()
    {
        await using RawConnection raw = await _server.ConnectRawAsync();
        var request = new Request { Service = Service, Method = "Echo", Payload = ByteString.CopyFrom(0x0a, 0x09) };

        await raw.SendAsync(Frames.Make(1, 1, request.ToByteArray()));

        Response response = Frames.ParseResponse(await raw.ReadFrameAsync());
        Assert.Equal((int)StatusCode.InvalidArgument, response.Status.Code);
    }

    [Fact]
    public async Task Closes_quietly_when_the_peer_hangs_up()
    {
        RawConnection raw = await _server.ConnectRawAsync();
        await Eventually.TrueAsync(() => _server.Server.ConnectionCount == 1, "connection counted");

        await raw.SendAsync(Hex.Parse("00 00 00 05 00 00")); // half a header, then gone
        await raw.DisposeAsync();

        await Eventually.TrueAsync(() => _server.Server.ConnectionCount == 0, "connection removed");
        Assert.Empty(_server.Log);
    }
}
