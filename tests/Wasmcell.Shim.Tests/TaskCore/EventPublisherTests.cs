using System.Net.Sockets;
using Containerd.Events;
using Containerd.Services.Events.Ttrpc.V1;
using Containerd.Types;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Wasmcell.Shim.Events;
using Wasmcell.Ttrpc;

namespace Wasmcell.Shim.Tests.TaskCore;

/// <summary>EventPublisher against an in-process ttrpc server standing in for containerd's Events service.</summary>
public sealed class EventPublisherTests : IAsyncDisposable
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(15);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("wasmcell-ev-");
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly TtrpcServer _server = new();
    private readonly Task _serving;
    private readonly List<(Envelope Envelope, string? Namespace)> _received = [];
    private int _failuresLeft;

    public EventPublisherTests()
    {
        SocketPath = Path.Join(_dir.FullName, "events.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen(16);
        _server.Register("containerd.services.events.ttrpc.v1.Events", "Forward", ForwardRequest.Parser, (request, call) =>
        {
            if (Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                throw new InvalidOperationException("containerd is busy");
            }
            lock (_received)
            {
                _received.Add((request.Envelope, call.Metadata.FirstOrDefault(m => m.Key == "containerd-namespace-ttrpc").Value));
            }
            return Task.FromResult<IMessage>(new Empty());
        });
        _serving = _server.ServeAsync(_listener, _stop.Token);
    }

    private string SocketPath { get; }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _stop.Cancel();
        await _serving.WaitAsync(HangGuard);
        _listener.Dispose();
        _dir.Delete(recursive: true);
    }

    [Fact]
    public async Task Forward_calls_arrive_in_the_order_events_were_published()
    {
        await using var publisher = new EventPublisher(SocketPath, "k8s.io", ShimLog.None);

        for (var i = 0; i < 50; i++)
        {
            publisher.Publish("/tasks/exit", new TaskExit { ContainerId = $"c{i}", ExitStatus = (uint)i });
        }
        await publisher.FlushAsync(HangGuard);

        var received = Received();
        Assert.Equal(50, received.Count);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"c{i}"), received.Select(r => TaskExit.Parser.ParseFrom(r.Envelope.Event.Value).ContainerId));
        Assert.All(received, r =>
        {
            Assert.Equal("/tasks/exit", r.Envelope.Topic);
            Assert.Equal("k8s.io", r.Envelope.Namespace);
            Assert.Equal("k8s.io", r.Namespace);
            // containerd 1.6 resolves the bare full name only.
            Assert.Equal("containerd.events.TaskExit", r.Envelope.Event.TypeUrl);
        });
    }

    [Fact]
    public async Task An_event_the_server_fails_is_retried_and_order_is_kept()
    {
        _failuresLeft = 1;
        await using var publisher = new EventPublisher(SocketPath, "default", ShimLog.None);

        publisher.Publish("/tasks/start", new TaskStart { ContainerId = "c1" });
        publisher.Publish("/tasks/exit", new TaskExit { ContainerId = "c1" });
        await publisher.FlushAsync(HangGuard);

        Assert.Equal(["/tasks/start", "/tasks/exit"], Received().Select(r => r.Envelope.Topic));
        Assert.True(Volatile.Read(ref _failuresLeft) < 0);
    }

    private List<(Envelope Envelope, string? Namespace)> Received()
    {
        lock (_received)
        {
            return [.. _received];
        }
    }
}
