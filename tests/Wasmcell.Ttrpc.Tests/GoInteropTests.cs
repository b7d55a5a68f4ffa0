using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Wasmcell.Ttrpc.Tests.Infrastructure;

namespace Wasmcell.Ttrpc.Tests;

/// <summary>
/// Our client against the Go ttrpc server inside a real (private) containerd: the events service a shim
/// publishes to. Needs root and the containerd binary; both are present here and in CI, so it always runs.
/// </summary>
[Trait("Needs", "root")]
[Trait("Needs", "containerd")]
public sealed class GoInteropTests : IAsyncLifetime
{
    private const string Events = "containerd.services.events.ttrpc.v1.Events";
    private PrivateContainerd _containerd = null!;

    public async Task InitializeAsync() => _containerd = await PrivateContainerd.StartAsync(new PrivateContainerdOptions { Prefix = "wcr" });

    public async Task DisposeAsync() => await _containerd.DisposeAsync();

    [Fact]
    public async Task Go_server_accepts_our_Forward_and_answers_OK()
    {
        await using TtrpcClient client = await TtrpcClient.ConnectAsync("unix://" + _containerd.TtrpcAddress, CancellationToken.None);

        Empty reply = await client.CallAsync(Events, "Forward", Forward("default", "/tasks/create"), Empty.Parser, TimeSpan.FromSeconds(5));

        Assert.Equal(new Empty(), reply);
    }

    [Fact]
    public async Task Go_server_errors_arrive_as_TtrpcException_with_its_code()
    {
        await using TtrpcClient client = await TtrpcClient.ConnectAsync(_containerd.TtrpcAddress, CancellationToken.None);

        var badNamespace = await Assert.ThrowsAsync<TtrpcException>(
            () => client.CallAsync(Events, "Forward", Forward("no spaces allowed", "/tasks/create"), Empty.Parser));
        var noService = await Assert.ThrowsAsync<TtrpcException>(() => client.CallAsync("no.Such", "Forward", new Empty(), Empty.Parser));
        var noMethod = await Assert.ThrowsAsync<TtrpcException>(() => client.CallAsync(Events, "Nope", new Empty(), Empty.Parser));

        Assert.Equal(StatusCode.InvalidArgument, badNamespace.Code);
        Assert.Equal((StatusCode.Unimplemented, "service no.Such"), (noService.Code, noService.Message));
        Assert.Equal((StatusCode.Unimplemented, "method Nope"), (noMethod.Code, noMethod.Message));
        Assert.False(client.IsClosed);
    }

    [Fact]
    public async Task Go_server_answers_fifty_multiplexed_calls_on_one_connection()
    {
        await using TtrpcClient client = await TtrpcClient.ConnectAsync(_containerd.TtrpcAddress, CancellationToken.None);

        Task<Empty>[] calls = [.. Enumerable.Range(0, 50).Select(i => i % 2 == 0
            ? client.CallAsync(Events, "Forward", Forward("default", $"/tasks/t{i}"), Empty.Parser)
            : client.CallAsync(Events, "Forward", Forward("bad ns", "/x"), Empty.Parser))];
        await Task.WhenAll(calls).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(TimeSpan.FromSeconds(10));

        for (int i = 0; i < calls.Length; i++)
        {
            if (i % 2 == 0)
            {
                Assert.True(calls[i].IsCompletedSuccessfully, $"call {i}");
            }
            else
            {
                Assert.Equal(StatusCode.InvalidArgument, Assert.IsType<TtrpcException>(calls[i].Exception!.InnerException).Code);
            }
        }
    }

    [Fact]
    public async Task Go_server_rejects_an_even_stream_id_with_the_message_we_send()
    {
        await using RawConnection raw = await RawConnection.ConnectAsync(_containerd.TtrpcAddress);

        await raw.SendAsync(Frames.Request(2, Events, "Forward"));

        Assert.Equal(Frames.StatusResponse(2, 3, "StreamID must be odd for client initiated streams"), await raw.ReadFrameAsync());
    }

    /// <summary>
    /// A ForwardRequest{envelope = 1} built field by field (events.proto is not this library's business). A
    /// message field and a bytes field encode the same way, so BytesValue{value = 1} carries it exactly.
    /// </summary>
    private static BytesValue Forward(string ns, string topic)
    {
        byte[] envelope = Concat(
            Field(1, Timestamp.FromDateTime(DateTime.UtcNow).ToByteArray()),
            Field(2, System.Text.Encoding.UTF8.GetBytes(ns)),
            Field(3, System.Text.Encoding.UTF8.GetBytes(topic)),
            Field(4, new Any { TypeUrl = "containerd.events.TaskCreate" }.ToByteArray()));
        return new BytesValue { Value = ByteString.CopyFrom(envelope) };
    }

    private static byte[] Field(int number, byte[] value) =>
        Hex.Concat([(byte)((number << 3) | 2)], Frames.Varint(value.Length), value);

    private static byte[] Concat(params byte[][] parts) => Hex.Concat(parts);
}
