using System.Net.Sockets;
using Google.Protobuf;

namespace Wasmcell.Ttrpc;

/// <summary>
/// A ttrpc server: accepts connections on a listening socket and serves registered unary methods. Every
/// connection and every request runs concurrently; see PROTOCOL.md for the wire rules it enforces.
/// </summary>
public sealed class TtrpcServer : IAsyncDisposable
{
    private static readonly TimeSpan MaxAcceptBackoff = TimeSpan.FromSeconds(1);

    private readonly HandlerRegistry _handlers = new();
    private readonly Action<string>? _log;
    private readonly CancellationTokenSource _disposed = new();
    // Guarded by _gate: the live connections with their receive loops, and whether new ones are refused.
    private readonly Lock _gate = new();
    private readonly Dictionary<ServerConnection, Task> _connections = [];
    private bool _isDisposed;

    /// <param name="log">Receives one line per unexpected connection or accept error.</param>
    public TtrpcServer(Action<string>? log = null)
    {
        _log = log;
    }

    /// <summary>The number of connections currently open.</summary>
    public int ConnectionCount
    {
        get
        {
            lock (_gate)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>Registers a raw handler. Throws <see cref="ArgumentException"/> on a duplicate.</summary>
    public void Register(string service, string method, TtrpcHandler handler) => _handlers.Add(service, method, handler);

    /// <summary>
    /// Registers a typed handler. A payload that does not parse as <typeparamref name="TRequest"/> is answered
    /// with InvalidArgument without calling the handler.
    /// </summary>
    public void Register<TRequest>(
        string service,
        string method,
        MessageParser<TRequest> parser,
        Func<TRequest, TtrpcCallContext, Task<IMessage>> handler)
        where TRequest : IMessage<TRequest>
    {
        ArgumentNullException.ThrowIfNull(parser);
        ArgumentNullException.ThrowIfNull(handler);
        _handlers.Add(service, method, (payload, context) =>
        {
            TRequest request;
            try
            {
                request = parser.ParseFrom(payload.Span);
            }
            catch (InvalidProtocolBufferException ex)
            {
                throw new TtrpcException(StatusCode.InvalidArgument, $"unmarshal request error: {ex.Message}");
            }

            return handler(request, context);
        });
    }

    /// <summary>
    /// Accepts connections on <paramref name="listener"/> (already bound and listening) until
    /// <paramref name="cancellationToken"/> fires or the server is disposed, then returns normally.
    /// Stopping the accept loop leaves open connections alone; <see cref="DisposeAsync"/> closes them.
    /// The listener stays owned by the caller; closing it also ends the loop normally. Transient accept
    /// errors (EMFILE, ENOBUFS, ECONNABORTED) are logged and retried with back-off.
    /// </summary>
    /// <exception cref="InvalidOperationException"><paramref name="listener"/> is not listening.</exception>
    /// <exception cref="SocketException">Accepting failed for good (not one of the transient errors).</exception>
    public async Task ServeAsync(Socket listener, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listener);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        TimeSpan backoff = TimeSpan.Zero;
        while (!stop.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await listener.AcceptAsync(stop.Token).ConfigureAwait(false);
                backoff = TimeSpan.Zero;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return; // The owner closed the listener.
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.OperationAborted)
            {
                return;
            }
            catch (SocketException ex) when (IsTransient(ex.SocketErrorCode))
            {
                // E.g. EMFILE: back off (1 ms doubling to 1 s, like ttrpc) instead of spinning.
                backoff = backoff == TimeSpan.Zero ? TimeSpan.FromMilliseconds(1) : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxAcceptBackoff.Ticks));
                _log?.Invoke($"ttrpc: accept failed ({ex.SocketErrorCode}): {ex.Message}; retrying in {backoff.TotalMilliseconds} ms");
                try
                {
                    await Task.Delay(backoff, stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            Start(accepted);
        }
    }

    /// <summary>Stops accepting, closes every connection (cancelling in-flight handlers) and waits for their receive loops.</summary>
    public async ValueTask DisposeAsync()
    {
        Task[] loops;
        ServerConnection[] connections;
        lock (_gate)
        {
            if (_isDisposed)
            {
                return;
            }

            _isDisposed = true;
            connections = [.. _connections.Keys];
            loops = [.. _connections.Values];
        }

        await _disposed.CancelAsync().ConfigureAwait(false);
        foreach (ServerConnection connection in connections)
        {
            connection.Close();
        }

        // Handlers are not awaited: their answers are dropped, and one ignoring its token must not hang us.
        await Task.WhenAll(loops).ConfigureAwait(false);
    }

    /// <summary>Accept failures that pass: out of fds or buffers, or a peer that left before accept returned.</summary>
    private static bool IsTransient(SocketError error) => error is
        SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable or SocketError.ConnectionAborted
        or SocketError.ConnectionReset or SocketError.Interrupted or SocketError.WouldBlock;

    private void Start(Socket accepted)
    {
        var connection = new ServerConnection(accepted, _handlers, _log);
        lock (_gate)
        {
            if (!_isDisposed)
            {
                _connections.Add(connection, Task.Run(() => RunAsync(connection)));
                return;
            }
        }

        connection.Close();
    }

    private async Task RunAsync(ServerConnection connection)
    {
        try
        {
            await connection.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _connections.Remove(connection);
            }
        }
    }
}
