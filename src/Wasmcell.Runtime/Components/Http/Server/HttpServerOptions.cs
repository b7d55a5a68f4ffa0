namespace Wasmcell.Runtime.Components.Http.Server;

/// <summary>The server's bounds. Defaults suit a container on a small node; each is a limit, never a queue.</summary>
public sealed record HttpServerOptions
{
    /// <summary>Open connections at once; a connection beyond it gets 503 and is closed.</summary>
    public int MaxConnections { get; init; } = 256;

    /// <summary>
    /// Requests in the guest at once (each a store with its own linear memory: the JS test component's is ~10 MiB);
    /// more wait for a slot, their connections stay open.
    /// </summary>
    public int MaxConcurrentRequests { get; init; } = 16;

    /// <summary>A connection idle for this long between requests (or a client this slow to send) is closed.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a stop waits for requests in flight before cutting them.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Unread request body the server reads past to keep a connection alive; more closes it instead.</summary>
    public long MaxDrainBytes { get; init; } = 1 << 20;
}
