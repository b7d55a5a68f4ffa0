using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;

namespace Wasmcell.Runtime.Components.Http.Server;

/// <summary>
/// Serves a wasi:http/proxy component over HTTP/1.1 on listeners the caller opened (a cell opens them in the
/// container's network namespace before its seccomp filter goes on). A small server of its own rather than Kestrel:
/// the cell is a trimmed NativeAOT executable under a seccomp allow-list, and all it needs is plain HTTP/1.1 with
/// keep-alive, Content-Length and chunked bodies, which this does on blocking sockets, one thread per connection.
/// <see cref="Stop"/> is graceful: no new connections, idle ones closed, requests in flight finish (up to
/// <see cref="HttpServerOptions.DrainTimeout"/>). The server owns the listeners it is given and closes them at the stop.
/// </summary>
public sealed class HttpServer
{
    private readonly ProxyComponent _proxy;
    private readonly IReadOnlyList<Socket> _listeners;
    private readonly ProxyEnvironment _environment;
    private readonly SemaphoreSlim _requests;
    private readonly ConcurrentDictionary<HttpConnection, byte> _connections = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly CountdownEvent _open = new(1);
    private volatile bool _stopping;

    public HttpServer(ProxyComponent proxy, IReadOnlyList<Socket> listeners, ProxyEnvironment environment, HttpServerOptions? options = null)
    {
        _proxy = proxy;
        _listeners = listeners;
        _environment = environment;
        Options = options ?? new HttpServerOptions();
        _requests = new SemaphoreSlim(Options.MaxConcurrentRequests);
    }

    public HttpServerOptions Options { get; }

    public bool Stopping => _stopping;

    /// <summary>Requests the guest failed (trapped, or answered with no response) since the start.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    private long _failures, _served, _instantiateTicks, _handleTicks, _hostTicks;

    /// <summary>Requests handled so far and their mean split (see <see cref="ProxyTiming"/>).</summary>
    public (long Requests, ProxyTiming Mean) Stats
    {
        get
        {
            var n = Interlocked.Read(ref _served);
            return n == 0 ? (0, default) : (n, new ProxyTiming(TimeSpan.FromTicks(Interlocked.Read(ref _instantiateTicks) / n),
                TimeSpan.FromTicks(Interlocked.Read(ref _handleTicks) / n), TimeSpan.FromTicks(Interlocked.Read(ref _hostTicks) / n)));
        }
    }

    /// <summary>
    /// Serves until <see cref="Stop"/>, then drains. True when every request in flight finished; false when the drain
    /// timed out and the rest were cut.
    /// </summary>
    public bool Run()
    {
        var accepting = _listeners.Select(l => Task.Run(() => AcceptLoop(l))).ToArray();
        try
        {
            _stop.Token.WaitHandle.WaitOne();
        }
        finally
        {
            Task.WaitAll(accepting);
            // Closed, not just left: connections that would queue in the backlog are refused at once.
            foreach (var listener in _listeners)
            {
                listener.Dispose();
            }
        }
        foreach (var connection in _connections.Keys)
        {
            connection.CloseIfIdle();
        }
        _open.Signal();
        if (_open.Wait(Options.DrainTimeout))
        {
            return true;
        }
        _proxy.Stop();
        foreach (var connection in _connections.Keys)
        {
            connection.Cut();
        }
        _open.Wait(TimeSpan.FromSeconds(1));
        return false;
    }

    /// <summary>Stops accepting and begins the drain (any thread, e.g. a SIGTERM handler); <see cref="Run"/> then returns.</summary>
    public void Stop()
    {
        _stopping = true;
        _stop.Cancel();
    }

    private async Task AcceptLoop(Socket listener)
    {
        while (!_stopping)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // e.g. ECONNABORTED: the client gave up before the accept
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            if (_connections.Count >= Options.MaxConnections || !_open.TryAddCount())
            {
                Refuse(client);
                continue;
            }
            var connection = new HttpConnection(this, client);
            _connections[connection] = 0;
            var thread = new Thread(() =>
            {
                try
                {
                    connection.Serve();
                }
                finally
                {
                    _connections.TryRemove(connection, out _);
                    _open.Signal();
                }
            })
            { IsBackground = true, Name = "http-connection" };
            thread.Start();
        }
    }

    private static void Refuse(Socket client)
    {
        try
        {
            client.Send("HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"u8);
        }
        catch (SocketException)
        {
        }
        client.Dispose();
    }

    /// <summary>Runs the guest for one request (at most <see cref="HttpServerOptions.MaxConcurrentRequests"/> at once).</summary>
    internal void Handle(ServerExchange exchange)
    {
        _requests.Wait();
        ProxyOutcome outcome;
        try
        {
            outcome = _proxy.Handle(exchange, _environment);
        }
        finally
        {
            _requests.Release();
        }
        Interlocked.Increment(ref _served);
        Interlocked.Add(ref _instantiateTicks, outcome.Timing.Instantiate.Ticks);
        Interlocked.Add(ref _handleTicks, outcome.Timing.Handle.Ticks);
        Interlocked.Add(ref _hostTicks, outcome.Timing.Host.Ticks);
        if (outcome.Failure is { } failure)
        {
            Interlocked.Increment(ref _failures);
            // The container's stderr: the trap (and its backtrace) of the request that failed.
            _environment.Stderr(Encoding.UTF8.GetBytes($"{_proxy.Path}: {exchange.Method} {exchange.PathWithQuery}: {failure}\n"));
        }
    }
}
