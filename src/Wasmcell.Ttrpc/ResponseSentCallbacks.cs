namespace Wasmcell.Ttrpc;

/// <summary>What handlers of one call asked to run after its response went out (<see cref="TtrpcCallContext.OnResponseSent"/>).</summary>
internal sealed class ResponseSentCallbacks
{
    private readonly Lock _gate = new();
    private List<Action>? _callbacks;
    private bool _ran;

    /// <summary>Adds a callback; one added after the response went out (a handler's leftover work) runs at once.</summary>
    public void Add(Action callback)
    {
        lock (_gate)
        {
            if (!_ran)
            {
                (_callbacks ??= []).Add(callback);
                return;
            }
        }
        callback();
    }

    /// <summary>Runs the callbacks in the order they were added, once.</summary>
    public void Run(Action<string>? log)
    {
        List<Action>? callbacks;
        lock (_gate)
        {
            _ran = true;
            callbacks = _callbacks;
            _callbacks = null;
        }
        foreach (var callback in callbacks ?? [])
        {
            try
            {
                callback();
            }
            catch (Exception ex)
            {
                log?.Invoke($"ttrpc: a response-sent callback failed: {ex.GetType().Name}: {ex.Message}");
            }
        }
    }
}
