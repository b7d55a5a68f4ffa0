namespace Wasmcell.Runtime.Components.Http;

/// <summary>
/// What one request's store holds on the host side: its resource table, the exchange it answers, and the
/// container's stdio and environment. Host functions find it through <see cref="Current"/>: a store is used on one
/// thread at a time and every host call runs on the thread that called into the guest.
/// </summary>
internal sealed class ProxyRequestState
{
    [ThreadStatic]
    private static ProxyRequestState? t_current;

    public ProxyRequestState(IHttpExchange exchange, ProxyEnvironment environment, CancellationToken stopping = default)
    {
        Exchange = exchange;
        Environment = environment;
        Stopping = stopping;
    }

    public static ProxyRequestState Current =>
        t_current ?? throw new InvalidOperationException("a wasi:http host function was called outside a request");

    public HostResources Resources { get; } = new();

    /// <summary>Stopwatch ticks spent in this host's functions (not in Wasmtime's value conversions around them).</summary>
    public long HostTicks { get; set; }

    public IHttpExchange Exchange { get; }

    public ProxyEnvironment Environment { get; }

    /// <summary>Cancelled when the proxy is stopped: a host call waiting (poll, an outgoing response) ends with a trap.</summary>
    public CancellationToken Stopping { get; }

    /// <summary>This request's outgoing requests, whose connections close when the request ends (at the latest).</summary>
    public List<IDisposable> Outgoing { get; } = [];

    /// <summary>The response the guest set (or null: none yet, or an error-code).</summary>
    public OutgoingResponse? Response { get; set; }

    /// <summary>Whether response-outparam.set was called (with a response or an error).</summary>
    public bool ResponseSet { get; set; }

    /// <summary>The error-code case the guest answered with instead of a response.</summary>
    public string? ResponseError { get; set; }

    /// <summary>Makes this the state of the calling thread until the scope is disposed.</summary>
    public Scope Enter()
    {
        var previous = t_current;
        t_current = this;
        return new Scope(previous);
    }

    public readonly struct Scope(ProxyRequestState? previous) : IDisposable
    {
        public void Dispose() => t_current = previous;
    }
}

/// <summary>The container's side of a proxy's wasi:cli imports: its env and args, and where guest stdout/stderr go.</summary>
public sealed class ProxyEnvironment
{
    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>"KEY=VALUE" entries, as config.json has them.</summary>
    public IReadOnlyList<string> Env { get; init; } = [];

    /// <summary>Guest stdout (the container's stdout in a cell); writes from concurrent requests are whole per call.</summary>
    public required Action<ReadOnlySpan<byte>> Stdout { get; init; }

    public required Action<ReadOnlySpan<byte>> Stderr { get; init; }

    /// <summary>
    /// Whether wasi:http/outgoing-handler.handle makes requests (over HTTP/1.1 from the caller's network namespace):
    /// the container's socket policy (a cell) or --allow-sockets (wasmcell run). Otherwise it answers HTTP-request-denied.
    /// </summary>
    public bool AllowOutgoingRequests { get; init; }

    /// <summary>For outgoing https: trust only these roots instead of the system's (tests run a TLS server of their own).</summary>
    internal System.Security.Cryptography.X509Certificates.X509Certificate2Collection? TrustedRoots { get; init; }
}
