using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Wasmcell.Ttrpc.Tests.Infrastructure;

namespace Wasmcell.Ttrpc.Tests;

public sealed class ConcurrencyTests : IAsyncLifetime
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(10);
    private readonly TestServer _server = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Fifty_concurrent_calls_complete_out_of_order_each_with_its_own_answer()
    {
        const int calls = 50;
        var gates = Enumerable.Range(0, calls).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var arrived = new CountdownEvent(calls);
        _server.Server.Register("c.S", "Square", Int32Value.Parser, async (request, _) =>
        {
            arrived.Signal();
            await gates[request.Value].Task;
            return new Int32Value { Value = request.Value * request.Value };
        });
        await using TtrpcClient client = await _server.ConnectAsync();

        Task<Int32Value>[] pending = [.. Enumerable.Range(0, calls).Select(i => client.CallAsync("c.S", "Square", new Int32Value { Value = i }, Int32Value.Parser))];
        Assert.True(arrived.Wait(HangGuard), "all 50 handlers run at once");

        // Release the last call first: each answer must reach its own caller while all earlier ones still wait.
        for (int i = calls - 1; i >= 0; i--)
        {
            gates[i].SetResult();
            Assert.Equal(i * i, (await pending[i].WaitAsync(HangGuard)).Value);
            Assert.All(pending[..i], task => Assert.False(task.IsCompleted));
        }
    }

    [Fact]
    public async Task A_blocking_handler_does_not_delay_other_calls_on_the_same_connection()
    {
        using var release = new ManualResetEventSlim();
        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _server.Server.Register("c.S", "Wait", (_, _) =>
        {
            blocked.SetResult();
            release.Wait(); // synchronously blocks its thread, like a long poll that never yields
            return Task.FromResult<IMessage>(new StringValue { Value = "exited" });
        });
        _server.Server.Register("c.S", "State", (_, _) => Task.FromResult<IMessage>(new StringValue { Value = "running" }));
        await using TtrpcClient client = await _server.ConnectAsync();

        Task<StringValue> wait = client.CallAsync("c.S", "Wait", new Empty(), StringValue.Parser);
        try
        {
            await blocked.Task.WaitAsync(HangGuard);
            for (int i = 0; i < 5; i++)
            {
                Assert.Equal("running", (await client.CallAsync("c.S", "State", new Empty(), StringValue.Parser).WaitAsync(HangGuard)).Value);
            }

            Assert.False(wait.IsCompleted);
        }
        finally
        {
            release.Set(); // also on failure, so a regression fails the test instead of hanging teardown
        }

        Assert.Equal("exited", (await wait.WaitAsync(HangGuard)).Value);
    }

    [Fact]
    public async Task Closing_one_connection_cancels_only_its_own_calls()
    {
        var contexts = new System.Collections.Concurrent.ConcurrentDictionary<string, TtrpcCallContext>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _server.Server.Register("c.S", "Hold", StringValue.Parser, async (request, context) =>
        {
            contexts[request.Value] = context;
            await release.Task.WaitAsync(context.CancellationToken);
            return new StringValue { Value = request.Value };
        });
        TtrpcClient a = await _server.ConnectAsync();
        await using TtrpcClient b = await _server.ConnectAsync();
        Task<StringValue> callA = a.CallAsync("c.S", "Hold", new StringValue { Value = "a" }, StringValue.Parser);
        Task<StringValue> callB = b.CallAsync("c.S", "Hold", new StringValue { Value = "b" }, StringValue.Parser);
        await Eventually.TrueAsync(() => contexts.Count == 2, "both handlers running");

        await a.DisposeAsync();

        await Eventually.TrueAsync(() => contexts["a"].CancellationToken.IsCancellationRequested, "a's context cancelled");
        Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<TtrpcException>(() => callA)).Code);
        Assert.False(contexts["b"].CancellationToken.IsCancellationRequested);
        release.SetResult();
        Assert.Equal("b", (await callB.WaitAsync(HangGuard)).Value);
        await Eventually.TrueAsync(() => _server.Server.ConnectionCount == 1, "a's connection removed");
        Assert.Empty(_server.Log);
    }

    [Fact]
    public async Task Many_clients_with_many_calls_each_get_their_own_answers()
    {
        _server.Server.Register("c.S", "Echo", StringValue.Parser, async (request, _) =>
        {
            await Task.Delay(request.Value.Length % 3);
            return new StringValue { Value = request.Value };
        });
        TtrpcClient[] clients = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _server.ConnectAsync()));

        var calls = clients.SelectMany((client, c) => Enumerable.Range(0, 40).Select(async i =>
        {
            string value = new string('x', i) + $"/{c}/{i}";
            return (value, reply: (await client.CallAsync("c.S", "Echo", new StringValue { Value = value }, StringValue.Parser)).Value);
        }));
        (string value, string reply)[] results = await Task.WhenAll(calls).WaitAsync(HangGuard);

        Assert.Equal(320, results.Length);
        Assert.All(results, r => Assert.Equal(r.value, r.reply));
        Assert.Equal(8, _server.Server.ConnectionCount);
        foreach (TtrpcClient client in clients)
        {
            await client.DisposeAsync();
        }
    }
}
