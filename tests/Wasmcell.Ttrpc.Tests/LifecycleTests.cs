using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Wasmcell.Ttrpc.Tests.Infrastructure;

namespace Wasmcell.Ttrpc.Tests;

public sealed class LifecycleTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Disposing_the_server_fails_pending_calls_with_Unavailable_and_cancels_handlers()
    {
        var server = new TestServer();
        var started = new TaskCompletionSource<TtrpcCallContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Server.Register("l.S", "Hang", async (_, context) =>
        {
            started.SetResult(context);
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return new Empty();
        });
        await using TtrpcClient client = await server.ConnectAsync();
        Task<Empty> call = client.CallAsync("l.S", "Hang", new Empty(), Empty.Parser);
        TtrpcCallContext context = await started.Task.WaitAsync(HangGuard);

        await server.DisposeAsync();

        var ex = await Assert.ThrowsAsync<TtrpcException>(() => call.WaitAsync(HangGuard));
        Assert.Equal(StatusCode.Unavailable, ex.Code);
        Assert.True(client.IsClosed);
        Assert.True(context.CancellationToken.IsCancellationRequested);
        Assert.Equal(0, server.Server.ConnectionCount);
        Assert.True(server.Serving.IsCompletedSuccessfully);
        Assert.Empty(server.Log);
    }

    [Fact]
    public async Task Counts_open_connections()
    {
        await using var server = new TestServer();
        Assert.Equal(0, server.Server.ConnectionCount);

        TtrpcClient first = await server.ConnectAsync();
        await using TtrpcClient second = await server.ConnectAsync();
        await Eventually.TrueAsync(() => server.Server.ConnectionCount == 2, "two connections");

        await first.DisposeAsync();
        await Eventually.TrueAsync(() => server.Server.ConnectionCount == 1, "one connection after a client left");
        Assert.True(first.IsClosed);
        Assert.False(second.IsClosed);
    }

    [Fact]
    public async Task Cancelling_ServeAsync_stops_accepting_but_keeps_open_connections()
    {
        await using var server = new TestServer();
        server.Server.Register("l.S", "Ping", (_, _) => Task.FromResult<IMessage>(new StringValue { Value = "pong" }));
        await using TtrpcClient client = await server.ConnectAsync();

        // connect() returns once the kernel queued the connection; wait until the server accepted it.
        await Eventually.TrueAsync(() => server.Server.ConnectionCount == 1, "connection accepted");

        server.StopAccepting();
        await server.Serving.WaitAsync(HangGuard);

        Assert.Equal("pong", (await client.CallAsync("l.S", "Ping", new Empty(), StringValue.Parser).WaitAsync(HangGuard)).Value);
    }

    [Fact]
    public async Task Disposing_the_client_fails_its_pending_calls_with_Unavailable()
    {
        await using var server = new TestServer();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Server.Register("l.S", "Hold", async (_, _) =>
        {
            await release.Task;
            return new Empty();
        });
        TtrpcClient client = await server.ConnectAsync();
        Task<Empty> call = client.CallAsync("l.S", "Hold", new Empty(), Empty.Parser);

        await client.DisposeAsync();

        Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<TtrpcException>(() => call.WaitAsync(HangGuard))).Code);
        Assert.True(client.IsClosed);
        release.SetResult(); // the server's late answer goes to a closed connection and is dropped quietly
        await Eventually.TrueAsync(() => server.Server.ConnectionCount == 0, "server noticed");
        Assert.Empty(server.Log);
    }

    [Fact]
    public async Task ServeAsync_after_dispose_returns_at_once()
    {
        using var directory = new TempDir("wasmcell-ttrpc-test-");
        using var listener = TestServer.Listen(directory["s.sock"]);
        var server = new TtrpcServer();
        await server.DisposeAsync();

        await server.ServeAsync(listener, CancellationToken.None).WaitAsync(HangGuard);
        await server.DisposeAsync(); // idempotent
    }

    [Fact]
    public async Task ServeAsync_fails_on_a_socket_that_is_not_listening()
    {
        using var directory = new TempDir("wasmcell-ttrpc-test-");
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(directory["s.sock"]));
        await using var server = new TtrpcServer();

        await Assert.ThrowsAsync<InvalidOperationException>(() => server.ServeAsync(socket, CancellationToken.None).WaitAsync(HangGuard));
    }

    [Fact]
    public async Task Closing_the_listener_ends_ServeAsync()
    {
        using var directory = new TempDir("wasmcell-ttrpc-test-");
        var listener = TestServer.Listen(directory["s.sock"]);
        await using var server = new TtrpcServer();
        Task serving = server.ServeAsync(listener, CancellationToken.None);

        listener.Dispose();

        await serving.WaitAsync(HangGuard);
    }

    [Fact]
    public async Task A_server_disposed_from_OnResponseSent_still_delivers_that_answer()
    {
        // The shim's last Shutdown: answer, then go. Disposing any earlier would fail the call with Unavailable.
        var server = new TestServer();
        var callbacks = 0;
        server.Server.Register("l.S", "Shutdown", (payload, context) =>
        {
            context.OnResponseSent(() =>
            {
                Interlocked.Increment(ref callbacks);
                _ = server.Server.DisposeAsync();
            });
            return Task.FromResult<IMessage>(new StringValue { Value = "bye" });
        });
        await using TtrpcClient client = await server.ConnectAsync();

        var answer = await client.CallAsync("l.S", "Shutdown", new Empty(), StringValue.Parser).WaitAsync(HangGuard);

        Assert.Equal("bye", answer.Value);
        await Eventually.TrueAsync(() => client.IsClosed, "the server closed the connection after answering");
        Assert.Equal(1, callbacks);
        await server.DisposeAsync();
        Assert.Empty(server.Log);
    }

    [Fact]
    public async Task OnResponseSent_runs_also_when_the_answer_is_dropped_because_the_caller_left()
    {
        await using var server = new TestServer();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Server.Register("l.S", "Hold", async (_, context) =>
        {
            context.OnResponseSent(ran.SetResult);
            await release.Task;
            return new Empty();
        });
        TtrpcClient client = await server.ConnectAsync();
        Task<Empty> call = client.CallAsync("l.S", "Hold", new Empty(), Empty.Parser);
        await Eventually.TrueAsync(() => server.Server.ConnectionCount == 1, "connection accepted");

        await client.DisposeAsync();
        await Assert.ThrowsAsync<TtrpcException>(() => call.WaitAsync(HangGuard));
        Assert.False(ran.Task.IsCompleted);
        release.SetResult();

        await ran.Task.WaitAsync(HangGuard);
    }

    [Fact]
    public async Task A_failing_OnResponseSent_callback_is_logged_and_the_connection_keeps_serving()
    {
        await using var server = new TestServer();
        server.Server.Register("l.S", "Ping", (_, context) =>
        {
            context.OnResponseSent(() => throw new InvalidOperationException("callback broke"));
            return Task.FromResult<IMessage>(new StringValue { Value = "pong" });
        });
        await using TtrpcClient client = await server.ConnectAsync();

        Assert.Equal("pong", (await client.CallAsync("l.S", "Ping", new Empty(), StringValue.Parser).WaitAsync(HangGuard)).Value);
        await Eventually.TrueAsync(() => !server.Log.IsEmpty, "the failure was logged");
        Assert.Equal("pong", (await client.CallAsync("l.S", "Ping", new Empty(), StringValue.Parser).WaitAsync(HangGuard)).Value);

        Assert.Contains(server.Log, l => l.Contains("callback broke", StringComparison.Ordinal));
        Assert.False(client.IsClosed);
    }
}
