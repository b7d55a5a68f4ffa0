using Google.Protobuf;

namespace Wasmcell.Shim.Events;

/// <summary>Where the task core sends its events (topic + containerd event message); never blocks, keeps order.</summary>
public interface IEventSink
{
    void Publish(string topic, IMessage message);
}
