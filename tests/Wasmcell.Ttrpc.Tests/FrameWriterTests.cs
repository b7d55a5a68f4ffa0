using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Wasmcell.Ttrpc.Tests.Infrastructure;
using Wasmcell.Ttrpc.Wire;

namespace Wasmcell.Ttrpc.Tests;

public sealed class FrameWriterTests
{
    [Fact]
    public async Task Writes_the_observed_Connect_response_byte_for_byte()
    {
        // SPEC §3.2: status={} (OK), payload=ConnectResponse{shim_pid:19579}, stream 3.
        var stream = new MemoryStream();
        var response = new Response { Status = new Status(), Payload = ByteString.CopyFrom(Hex.Parse("08 fb 98 01")) };

        await new FrameWriter(stream).WriteAsync(3, MessageType.Response, response, CancellationToken.None);

        Assert.Equal(Hex.Parse("00 00 00 08  00 00 00 03  02  00   0a 00  12 04 08 fb 98 01"), stream.ToArray());
    }

    [Fact]
    public async Task Writes_an_empty_message_as_a_bare_header()
    {
        var stream = new MemoryStream();

        await new FrameWriter(stream).WriteAsync(1, MessageType.Response, new Response(), CancellationToken.None);

        Assert.Equal(Hex.Parse("00 00 00 00 00 00 00 01 02 00"), stream.ToArray());
    }

    [Fact]
    public async Task Refuses_to_send_more_than_4_MiB_and_writes_nothing()
    {
        var stream = new MemoryStream();
        var tooBig = new BytesValue { Value = ByteString.CopyFrom(new byte[4 << 20]) }; // 4 MiB + tag + length

        var ex = await Assert.ThrowsAsync<OversizedMessageException>(
            () => new FrameWriter(stream).WriteAsync(1, MessageType.Request, tooBig, CancellationToken.None));

        Assert.Equal((4 << 20) + 5, ex.Length);
        Assert.Equal($"message length {(4 << 20) + 5} exceed maximum message size of 4194304", ex.Message);
        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public async Task Concurrent_writes_never_interleave()
    {
        var stream = new MemoryStream();
        var writer = new FrameWriter(stream);
        var bodies = Enumerable.Range(0, 64).Select(i => new BytesValue { Value = ByteString.CopyFrom(new byte[1000 + i]) }).ToArray();

        await Task.WhenAll(bodies.Select((body, i) => Task.Run(() => writer.WriteAsync((uint)(2 * i) + 1, MessageType.Request, body, CancellationToken.None))));

        var pipe = System.IO.Pipelines.PipeReader.Create(new MemoryStream(stream.ToArray()));
        var reader = new FrameReader(pipe);
        var seen = new HashSet<uint>();
        while (await reader.ReadAsync(CancellationToken.None) is { } frame)
        {
            int index = (int)(frame.Header.StreamId / 2);
            Assert.Equal(bodies[index].CalculateSize(), (int)frame.Header.Length);
            Assert.Equal(bodies[index], BytesValue.Parser.ParseFrom(frame.Body));
            Assert.True(seen.Add(frame.Header.StreamId));
        }

        Assert.Equal(64, seen.Count);
    }
}
