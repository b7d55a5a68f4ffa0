using System.IO.Pipelines;
using System.Net.Sockets;
using Google.Protobuf;
using Wasmcell.Ttrpc.Wire;

namespace Wasmcell.Ttrpc;

/// <summary>
/// A ttrpc client on one unix-socket connection. Calls are multiplexed: each gets the next odd stream id
/// (1, 3, 5, …) and its response is matched by id, in whatever order the server answers. When the
/// connection fails every pending and future call fails with <see cref="StatusCode.Unavailable"/>;
/// callers dispose the client and connect again.
/// </summary>
public sealed partial class TtrpcClient : IAsyncDisposable
{
    // CancellationTokenSource rejects delays above uint.MaxValue - 1 ms (~49 days); longer means "none".
    private static readonly TimeSpan LongestLocalDeadline = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly NetworkStream _stream;
    private readonly PipeReader _pipe;
    private readonly FrameReader _reader;
    private readonly FrameWriter _writer;
    private readonly PendingCalls _pending = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _receiveLoop;
    private long _nextStreamId = 1;
    private int _closed;

    private TtrpcClient(Socket socket)
    {
        _stream = new NetworkStream(socket, ownsSocket: true);
        _pipe = PipeReader.Create(_stream, Pipes.ReaderOptions);
        _reader = new FrameReader(_pipe);
        _writer = new FrameWriter(_stream);
        _receiveLoop = Task.Run(ReceiveAsync);
    }

    /// <summary>True once the connection failed or the client was disposed; every call then fails with Unavailable.</summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Connects to a ttrpc server.</summary>
    /// <param name="unixSocketPath">A socket path, optionally prefixed with <c>unix://</c>.</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    /// <exception cref="TtrpcException">Unavailable: the connect failed (the <see cref="SocketException"/> is the inner exception).</exception>
    public static async Task<TtrpcClient> ConnectAsync(string unixSocketPath, CancellationToken cancellationToken)
    {
        string path = UnixSocketAddress.ToPath(unixSocketPath);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new TtrpcException(StatusCode.Unavailable, $"ttrpc: connect {path}: {ex.Message}", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new TtrpcClient(socket);
    }

    /// <summary>Calls <paramref name="service"/>/<paramref name="method"/> and parses the response payload.</summary>
    /// <param name="service">Fully-qualified service name.</param>
    /// <param name="method">Bare method name.</param>
    /// <param name="request">The request message (sent as the envelope's payload).</param>
    /// <param name="parser">Parses the response payload.</param>
    /// <param name="timeout">Sent as <c>timeout_nano</c> and enforced here: when it expires the call fails with DeadlineExceeded.</param>
    /// <param name="metadata">Sent as the envelope's metadata, in order.</param>
    /// <param name="cancellationToken">Abandons the call locally (<see cref="OperationCanceledException"/>); the server is not told.</param>
    /// <exception cref="TtrpcException">The server answered with a non-OK status, the deadline passed (DeadlineExceeded),
    /// the request is over 4 MiB (ResourceExhausted) or the connection is gone (Unavailable).</exception>
    public async Task<TResponse> CallAsync<TResponse>(
        string service,
        string method,
        IMessage request,
        MessageParser<TResponse> parser,
        TimeSpan? timeout = null,
        IReadOnlyList<KeyValuePair<string, string>>? metadata = null,
        CancellationToken cancellationToken = default)
        where TResponse : IMessage<TResponse>
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(parser);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfClosed();

        Request envelope = Envelope(service, method, request, timeout, metadata);
        using CancellationTokenSource? deadline = timeout is { } t && t != Timeout.InfiniteTimeSpan && t <= LongestLocalDeadline
            ? new CancellationTokenSource(t)
            : null;
        using CancellationTokenSource abandon = deadline is null
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken)
            : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);

        uint streamId = NextStreamId();
        Task<Response> answer = _pending.Add(streamId);
        try
        {
            // A close that ran before Add did not see this call; fail it here instead.
            ThrowIfClosed();
            await SendAsync(streamId, envelope, abandon.Token).ConfigureAwait(false);
            Response response = await answer.WaitAsync(abandon.Token).ConfigureAwait(false);
            if (response.Status is { Code: not 0 } status)
            {
                throw new TtrpcException((StatusCode)status.Code, status.Message);
            }

            return ParsePayload(parser, response.Payload);
        }
        catch (OperationCanceledException) when (deadline?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested)
        {
            throw new TtrpcException(StatusCode.DeadlineExceeded, Errors.DeadlineExceeded);
        }
        finally
        {
            _pending.Remove(streamId);
        }
    }

    /// <summary>Closes the connection, failing pending calls with Unavailable.</summary>
    public async ValueTask DisposeAsync()
    {
        Close();
        await _receiveLoop.ConfigureAwait(false);
    }

    private static Request Envelope(
        string service,
        string method,
        IMessage request,
        TimeSpan? timeout,
        IReadOnlyList<KeyValuePair<string, string>>? metadata)
    {
        var envelope = new Request { Service = service, Method = method, Payload = request.ToByteString() };
        if (timeout is { } t && t != Timeout.InfiniteTimeSpan)
        {
            if (t <= TimeSpan.Zero)
            {
                throw new TtrpcException(StatusCode.DeadlineExceeded, Errors.DeadlineExceeded);
            }

            envelope.TimeoutNano = t.Ticks > long.MaxValue / 100 ? long.MaxValue : t.Ticks * 100;
        }

        if (metadata is not null)
        {
            foreach (KeyValuePair<string, string> pair in metadata)
            {
                envelope.Metadata.Add(new KeyValue { Key = pair.Key, Value = pair.Value });
            }
        }

        return envelope;
    }

    private static TResponse ParsePayload<TResponse>(MessageParser<TResponse> parser, ByteString payload)
        where TResponse : IMessage<TResponse>
    {
        try
        {
            return parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new TtrpcException(StatusCode.Internal, $"ttrpc: response payload does not parse: {ex.Message}", ex);
        }
    }

    private uint NextStreamId()
    {
        long id = Interlocked.Add(ref _nextStreamId, 2) - 2;
        // 2^31 calls on one connection; the server would reject a wrapped (non-increasing) id anyway.
        return id <= uint.MaxValue
            ? (uint)id
            : throw new TtrpcException(StatusCode.ResourceExhausted, "ttrpc: stream ids exhausted on this connection; reconnect");
    }

    private async Task SendAsync(uint streamId, Request envelope, CancellationToken cancellationToken)
    {
        try
        {
            await _writer.WriteAsync(streamId, MessageType.Request, envelope, cancellationToken).ConfigureAwait(false);
        }
        catch (OversizedMessageException ex)
        {
            throw new TtrpcException(StatusCode.ResourceExhausted, ex.Message);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            Close();
            throw new TtrpcException(StatusCode.Unavailable, $"{Errors.ConnectionClosed}: {ex.Message}", ex);
        }
    }

    private async Task ReceiveAsync()
    {
        try
        {
            while (await _reader.ReadAsync(_closing.Token).ConfigureAwait(false) is { } frame)
            {
                OnFrame(frame);
            }
        }
        catch (Exception)
        {
            // Whatever broke the connection (reset, EOF mid-frame, close), every caller sees Unavailable.
        }
        finally
        {
            Close();
            await _pipe.CompleteAsync().ConfigureAwait(false);
        }
    }

    private void OnFrame(Frame frame)
    {
        uint streamId = frame.Header.StreamId;
        if (frame.Header.Type != MessageType.Response)
        {
            return; // Unary only: Data and unknown frames are ignored.
        }

        if (frame.IsOversized)
        {
            _pending.Fail(streamId, new TtrpcException(StatusCode.ResourceExhausted, Errors.Oversized(frame.Header.Length)));
            return;
        }

        Response response;
        try
        {
            response = Response.Parser.ParseFrom(frame.Body);
        }
        catch (InvalidProtocolBufferException ex)
        {
            _pending.Fail(streamId, new TtrpcException(StatusCode.Internal, $"ttrpc: response does not parse: {ex.Message}", ex));
            return;
        }

        _pending.Complete(streamId, response);
    }

    private void ThrowIfClosed()
    {
        if (IsClosed)
        {
            throw new TtrpcException(StatusCode.Unavailable, Errors.ConnectionClosed);
        }
    }

    private void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        _closing.Cancel();
        _stream.Dispose();
        _pending.FailAll(static () => new TtrpcException(StatusCode.Unavailable, Errors.ConnectionClosed));
    }
}
