using Google.Protobuf;
using Wasmcell.Shim.Events;

namespace Wasmcell.Shim.Tests.TaskCore;

/// <summary>An <see cref="IEventSink"/> that keeps what was published, in order.</summary>
internal sealed class RecordingEventSink : IEventSink
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(10);
    private readonly List<(string Topic, IMessage Message)> _events = [];

    public IReadOnlyList<string> Topics
    {
        get
        {
            lock (_events)
            {
                return [.. _events.Select(e => e.Topic)];
            }
        }
    }

    public T Single<T>(string topic) where T : IMessage
    {
        lock (_events)
        {
            return (T)_events.Single(e => e.Topic == topic).Message;
        }
    }

    public void Publish(string topic, IMessage message)
    {
        lock (_events)
        {
            _events.Add((topic, message));
        }
    }

    /// <summary>Waits until <paramref name="topic"/> has been published.</summary>
    public async Task WaitForAsync(string topic)
    {
        var deadline = DateTime.UtcNow + HangGuard;
        while (!Topics.Contains(topic))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no {topic} event within {HangGuard}; got [{string.Join(", ", Topics)}]");
            }
            await Task.Delay(5);
        }
    }
}
