using System.Buffers;
using System.IO.Pipelines;
using Wasmcell.Ttrpc.Tests.Infrastructure;
using Wasmcell.Ttrpc.Wire;

namespace Wasmcell.Ttrpc.Tests;

public sealed class FrameReaderTests
{
    // SPEC §3.2 / §11.7: containerd 1.6.20's Create request, 503-byte body, stream 1.
    private static byte[] ObservedCreateRequest(out byte[] payload)
    {
        payload = [.. Enumerable.Range(0, 467).Select(i => (byte)(i * 7))];
        return Hex.Concat(
            Hex.Parse("00 00 01 f7  00 00 00 01  01  00"),
            Hex.Parse("0a 17"), Hex.Ascii("containerd.task.v2.Task"),
            Hex.Parse("12 06"), Hex.Ascii("Create"),
            Hex.Parse("1a d3 03"), payload);
    }

    [Theory]
    [InlineData(513)] // whole frame in one write
    [InlineData(1)]   // one byte per write: the reader must wait, not misparse
    [InlineData(7)]   // header split across writes
    public async Task Decodes_the_observed_Create_request(int chunk)
    {
        byte[] bytes = ObservedCreateRequest(out byte[] payload);
        Assert.Equal(513, bytes.Length);
        var pipe = new Pipe();
        var reader = new FrameReader(pipe.Reader);

        Task<Frame?> read = reader.ReadAsync(CancellationToken.None).AsTask();
        for (int offset = 0; offset < bytes.Length; offset += chunk)
        {
            await pipe.Writer.WriteAsync(bytes.AsMemory(offset, Math.Min(chunk, bytes.Length - offset)));
        }

        Frame frame = (await read.WaitAsync(TimeSpan.FromSeconds(10)))!.Value;
        Assert.Equal(new FrameHeader(503, 1, MessageType.Request, 0), frame.Header);
        Assert.False(frame.IsOversized);
        Request request = Request.Parser.ParseFrom(frame.Body);
        Assert.Equal("containerd.task.v2.Task", request.Service);
        Assert.Equal("Create", request.Method);
        Assert.Equal(payload, request.Payload.ToByteArray());
        Assert.Equal(0, request.TimeoutNano);
        Assert.Empty(request.Metadata);
    }

    [Fact]
    public async Task Parses_a_zero_length_response_as_OK_with_an_empty_payload()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Hex.Parse("00 00 00 00 00 00 00 01 02 00"));
        await pipe.Writer.CompleteAsync();
        var reader = new FrameReader(pipe.Reader);

        Frame frame = (await reader.ReadAsync(CancellationToken.None))!.Value;
        Assert.Equal(new FrameHeader(0, 1, MessageType.Response, 0), frame.Header);
        Response response = Response.Parser.ParseFrom(frame.Body);
        Assert.Null(response.Status);
        Assert.True(response.Payload.IsEmpty);
        Assert.Null(await reader.ReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Reads_back_to_back_frames_from_one_buffer()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Hex.Concat(
            Frames.Make(1, 2, [0x12, 0x01, 0xaa]),
            Frames.Make(3, 2, []),
            Frames.Make(5, 3, [0x01], flags: 0x04)));
        await pipe.Writer.CompleteAsync();
        var reader = new FrameReader(pipe.Reader);

        Frame first = (await reader.ReadAsync(CancellationToken.None))!.Value;
        Assert.Equal(Hex.Parse("12 01 aa"), first.Body.ToArray());
        Frame second = (await reader.ReadAsync(CancellationToken.None))!.Value;
        Assert.Equal(new FrameHeader(0, 3, MessageType.Response, 0), second.Header);
        Frame third = (await reader.ReadAsync(CancellationToken.None))!.Value;
        Assert.Equal(new FrameHeader(1, 5, MessageType.Data, 0x04), third.Header);
        Assert.Null(await reader.ReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Skips_an_oversized_body_and_then_reads_the_next_frame()
    {
        const uint length = (4 << 20) + 1;
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        await pipe.Writer.WriteAsync(Hex.Parse("00 40 00 01  00 00 00 07  01 00"));
        await pipe.Writer.WriteAsync(new byte[length]);
        await pipe.Writer.WriteAsync(Frames.Make(9, 1, [0x0a, 0x01, 0x78]));
        await pipe.Writer.CompleteAsync();
        var reader = new FrameReader(pipe.Reader);

        Frame oversized = (await reader.ReadAsync(CancellationToken.None))!.Value;
        Assert.True(oversized.IsOversized);
        Assert.Equal(new FrameHeader(length, 7, MessageType.Request, 0), oversized.Header);
        Assert.True(oversized.Body.IsEmpty);
        Frame next = (await reader.ReadAsync(CancellationToken.None))!.Value;
        Assert.Equal(9u, next.Header.StreamId);
        Assert.Equal("x", Request.Parser.ParseFrom(next.Body).Service);
    }

    [Fact]
    public async Task Accepts_a_body_of_exactly_4_MiB()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        await pipe.Writer.WriteAsync(Frames.Make(1, 3, new byte[4 << 20]));
        await pipe.Writer.CompleteAsync();

        Frame frame = (await new FrameReader(pipe.Reader).ReadAsync(CancellationToken.None))!.Value;
        Assert.False(frame.IsOversized);
        Assert.Equal(4 << 20, frame.Body.Length);
    }

    [Theory]
    [InlineData("00 00 00 05 00 00")]               // inside the header
    [InlineData("00 00 00 05 00 00 00 01 01 00 0a")] // inside the body
    [InlineData("00 40 00 01 00 00 00 01 01 00 00")] // inside an oversized body being skipped
    public async Task Reports_a_stream_that_ends_inside_a_frame(string bytes)
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Hex.Parse(bytes));
        await pipe.Writer.CompleteAsync();

        await Assert.ThrowsAsync<EndOfStreamException>(async () => await new FrameReader(pipe.Reader).ReadAsync(CancellationToken.None));
    }
}
