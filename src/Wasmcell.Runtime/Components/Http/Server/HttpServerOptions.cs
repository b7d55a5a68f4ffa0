namespace Wasmcell.Runtime.Components.Http.Server;

/// <summary>The server's bounds. Defaults suit a container on a small node; each is a limit, never a queue.</summary>
public sealed record HttpServerOptions
{
    /// <summary>Open connections at once; a connection beyond it gets 503 and is closed.</summary>
    public int MaxConnections { get; init; } = 256;

    /// <summary>
    /// Requests in the guest at once; more wait for a slot, their connections stay open. One per CPU the process may
    /// use (.NET reads the cgroup's quota), at least 2: each request is a fresh instance whose memory is faulted in
    /// anew, and with more instances than CPUs the page faults contend (bench/components: the JS component served
    /// fewer requests per second at ab -c 8 than at -c 1 with 16 slots on 2 CPUs).
    /// </summary>
    public int MaxConcurrentRequests { get; init; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>A connection idle for this long between requests (or a client this slow to send) is closed.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a stop waits for requests in flight before cutting them.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Unread request body the server reads past to keep a connection alive; more closes it instead.</summary>
    public long MaxDrainBytes { get; init; } = 1 << 20;
}
