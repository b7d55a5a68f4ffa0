using System.Collections.Concurrent;
using Wasmcell.Ttrpc.Wire;

namespace Wasmcell.Ttrpc;

/// <summary>
/// The client's calls awaiting a response, by stream id. Completion runs continuations asynchronously so a
/// caller's code never runs on (and stalls) the receive loop.
/// </summary>
internal sealed class PendingCalls
{
    private readonly ConcurrentDictionary<uint, TaskCompletionSource<Response>> _calls = new();

    public Task<Response> Add(uint streamId)
    {
        var call = new TaskCompletionSource<Response>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_calls.TryAdd(streamId, call))
        {
            throw new InvalidOperationException($"ttrpc: stream {streamId} is already pending");
        }

        return call.Task;
    }

    public void Remove(uint streamId) => _calls.TryRemove(streamId, out _);

    /// <summary>Hands a response to its caller; a response nobody waits for (timed out, cancelled) is dropped.</summary>
    public void Complete(uint streamId, Response response)
    {
        if (_calls.TryRemove(streamId, out TaskCompletionSource<Response>? call))
        {
            call.TrySetResult(response);
        }
    }

    public void Fail(uint streamId, Exception error)
    {
        if (_calls.TryRemove(streamId, out TaskCompletionSource<Response>? call))
        {
            call.TrySetException(error);
        }
    }

    /// <summary>Fails every pending call, each with its own exception instance.</summary>
    public void FailAll(Func<Exception> error)
    {
        foreach (uint streamId in _calls.Keys)
        {
            Fail(streamId, error());
        }
    }
}
