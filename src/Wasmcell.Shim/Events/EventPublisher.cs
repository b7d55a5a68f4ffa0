using System.Threading.Channels;
using Containerd.Services.Events.Ttrpc.V1;
using Containerd.Types;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Wasmcell.Ttrpc;

namespace Wasmcell.Shim.Events;

/// <summary>
/// Publishes task events to containerd's ttrpc Events/Forward in the order they were queued (SPEC §5).
/// One consumer, one connection, reconnect on failure, up to 5 attempts per event, then it is dropped.
/// </summary>
public sealed class EventPublisher : IEventSink, IAsyncDisposable
{
    private const string Service = "containerd.services.events.ttrpc.v1.Events";
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    private readonly string _address;
    private readonly string _namespace;
    private readonly ShimLog _log;
    private readonly Channel<Envelope> _queue = Channel.CreateUnbounded<Envelope>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _pump;
    private TtrpcClient? _client;

    public EventPublisher(string ttrpcAddress, string ns, ShimLog log)
    {
        _address = ttrpcAddress;
        _namespace = ns;
        _log = log;
        _pump = Task.Run(PumpAsync);
    }

    public void Publish(string topic, IMessage message)
    {
        var envelope = new Envelope
        {
            Timestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            Namespace = _namespace,
            Topic = topic,
            // containerd 1.6 resolves the bare full name; Any.Pack would add a prefix it cannot decode.
            Event = new Any { TypeUrl = message.Descriptor.FullName, Value = message.ToByteString() },
        };
        _queue.Writer.TryWrite(envelope);
    }

    private async Task PumpAsync()
    {
        await foreach (var envelope in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            for (var attempt = 1; attempt <= 5; attempt++)
            {
                try
                {
                    var client = await ConnectAsync().ConfigureAwait(false);
                    await client.CallAsync(Service, "Forward", new ForwardRequest { Envelope = envelope }, Empty.Parser, CallTimeout,
                        [new("containerd-namespace-ttrpc", _namespace)]).ConfigureAwait(false);
                    break;
                }
                catch (Exception e) when (e is TtrpcException or IOException or System.Net.Sockets.SocketException or TimeoutException)
                {
                    _log.Warn($"publish {envelope.Topic} failed (attempt {attempt}): {e.Message}");
                    await DropClientAsync().ConfigureAwait(false);
                    if (attempt < 5)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(attempt)).ConfigureAwait(false);
                    }
                }
            }
        }
    }

    private async Task<TtrpcClient> ConnectAsync()
    {
        if (_client is { IsClosed: false } c)
        {
            return c;
        }
        await DropClientAsync().ConfigureAwait(false);
        using var cts = new CancellationTokenSource(CallTimeout);
        _client = await TtrpcClient.ConnectAsync(_address, cts.Token).ConfigureAwait(false);
        return _client;
    }

    private async Task DropClientAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync().ConfigureAwait(false);
            _client = null;
        }
    }

    /// <summary>Flushes queued events (at most <paramref name="timeout"/>) and closes the connection.</summary>
    public async Task FlushAsync(TimeSpan timeout)
    {
        _queue.Writer.TryComplete();
        await Task.WhenAny(_pump, Task.Delay(timeout)).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await FlushAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        await DropClientAsync().ConfigureAwait(false);
    }
}
