namespace Wasmcell.Ttrpc;

/// <summary>What a handler knows about the request it serves.</summary>
public sealed class TtrpcCallContext
{
    private readonly ResponseSentCallbacks _responseSent;

    internal TtrpcCallContext(
        string service,
        string method,
        IReadOnlyList<KeyValuePair<string, string>> metadata,
        CancellationToken cancellationToken,
        ResponseSentCallbacks responseSent)
    {
        _responseSent = responseSent;
        Service = service;
        Method = method;
        Metadata = metadata;
        CancellationToken = cancellationToken;
    }

    /// <summary>The fully-qualified service name, e.g. <c>containerd.task.v2.Task</c>.</summary>
    public string Service { get; }

    /// <summary>The bare method name, e.g. <c>Create</c>.</summary>
    public string Method { get; }

    /// <summary>The request metadata in wire order (keys may repeat).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Metadata { get; }

    /// <summary>
    /// Fires when the request deadline (<c>timeout_nano</c>) expires or when the connection that
    /// carried the request closes. Valid while the handler runs: it is released when the handler's task
    /// completes, so work that outlives the call must not rely on it.
    /// </summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>
    /// Runs <paramref name="callback"/> once this call's response has been written to the connection, or
    /// dropped because the connection closed first: for work that must wait until the caller has its answer,
    /// such as a server exiting after a shutdown call. An exception it throws is logged, not rethrown.
    /// </summary>
    public void OnResponseSent(Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        _responseSent.Add(callback);
    }
}
