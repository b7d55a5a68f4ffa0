using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Wasmcell.Ttrpc.Tests.Infrastructure;
using Wasmcell.Ttrpc.Wire;

namespace Wasmcell.Ttrpc.Tests;

public sealed class DeadlineTests : IAsyncLifetime
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(10);
    private readonly TestServer _server = new();
    private readonly TaskCompletionSource<TtrpcCallContext> _handlerStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _handlerCancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task InitializeAsync()
    {
        // Waits until its token fires, as a well-behaved handler does.
        _server.Server.Register("d.S", "Slow", async (_, context) =>
        {
            _handlerStarted.SetResult(context);
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            finally
            {
                _handlerCancelled.SetResult();
            }

            return new Empty();
        });
        _server.Server.Register("d.S", "Fast", (_, _) => Task.FromResult<IMessage>(new StringValue { Value = "fast" }));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Server_cancels_the_handler_at_timeout_nano_and_answers_DeadlineExceeded()
    {
        await using RawConnection raw = await _server.ConnectRawAsync();

        await raw.SendAsync(Frames.Request(1, "d.S", "Slow", timeoutNano: 50_000_000));

        Assert.Equal(Frames.StatusResponse(1, 4, "context deadline exceeded"), await raw.ReadFrameAsync());
        await _handlerCancelled.Task.WaitAsync(HangGuard);
    }

    [Fact]
    public async Task Client_fails_with_DeadlineExceeded_and_the_server_handler_is_cancelled()
    {
        await using TtrpcClient client = await _server.ConnectAsync();

        var ex = await Assert.ThrowsAsync<TtrpcException>(
            () => client.CallAsync("d.S", "Slow", new Empty(), Empty.Parser, TimeSpan.FromMilliseconds(100)).WaitAsync(HangGuard));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.Code);
        await _handlerCancelled.Task.WaitAsync(HangGuard);
        Assert.False(client.IsClosed);
        Assert.Equal("fast", (await client.CallAsync("d.S", "Fast", new Empty(), StringValue.Parser)).Value);
    }

    [Fact]
    public async Task Client_enforces_its_deadline_even_if_the_server_never_answers()
    {
        using var server = new RawServer();
        await using TtrpcClient client = await TtrpcClient.ConnectAsync(server.Path, CancellationToken.None);
        await using RawConnection raw = await server.AcceptAsync();

        Task<Empty> call = client.CallAsync("d.S", "Slow", new Empty(), Empty.Parser, TimeSpan.FromMilliseconds(50));
        Request sent = Request.Parser.ParseFrom((await raw.ReadFrameAsync()).AsSpan(10));

        Assert.Equal(50_000_000, sent.TimeoutNano);
        var ex = await Assert.ThrowsAsync<TtrpcException>(() => call.WaitAsync(HangGuard));
        Assert.Equal(StatusCode.DeadlineExceeded, ex.Code);
        await raw.SendAsync(Frames.Make(1, 2, [])); // too late: dropped, connection unharmed
        Assert.False(client.IsClosed);
    }

    [Fact]
    public async Task A_request_without_timeout_nano_has_no_deadline()
    {
        await using TtrpcClient client = await _server.ConnectAsync();

        Task<Empty> call = client.CallAsync("d.S", "Slow", new Empty(), Empty.Parser);
        TtrpcCallContext context = await _handlerStarted.Task.WaitAsync(HangGuard);

        Assert.True(context.CancellationToken.CanBeCanceled); // still tied to the connection
        Assert.False(context.CancellationToken.IsCancellationRequested);
        Assert.False(call.IsCompleted);
    }

    [Theory]
    [InlineData(0L, null)]
    [InlineData(-5L, null)]
    [InlineData(1L, 1L)]                         // rounds up to one tick rather than "already expired"
    [InlineData(100L, 1L)]
    [InlineData(2_000_000_000L, 20_000_000L)]    // State's observed 2 s
    [InlineData(long.MaxValue, null)]            // beyond what a timer can hold: treated as none
    public void Converts_timeout_nano_to_a_deadline(long timeoutNano, long? ticks)
    {
        Assert.Equal(ticks, RequestInvoker.Deadline(timeoutNano)?.Ticks);
    }

    [Fact]
    public async Task A_non_positive_client_timeout_fails_without_sending()
    {
        await using TtrpcClient client = await _server.ConnectAsync();

        var ex = await Assert.ThrowsAsync<TtrpcException>(() => client.CallAsync("d.S", "Fast", new Empty(), StringValue.Parser, TimeSpan.Zero));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.Code);
        Assert.False(_handlerStarted.Task.IsCompleted);
    }
}
