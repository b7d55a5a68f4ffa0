using System.IO.Pipelines;
using System.Net.Sockets;
using Google.Protobuf;
using Wasmcell.Ttrpc.Wire;

namespace Wasmcell.Ttrpc;

/// <summary>
/// One accepted connection. A single receive loop reads frames and starts a task per request; handlers run
/// concurrently (containerd's <c>Wait</c> blocks for minutes while other calls flow) and only their
/// response writes are serialized by the <see cref="FrameWriter"/>. Closing cancels this connection's
/// in-flight handlers and nothing else.
/// </summary>
internal sealed class ServerConnection
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _pipe;
    private readonly FrameReader _reader;
    private readonly FrameWriter _writer;
    private readonly HandlerRegistry _handlers;
    private readonly Action<string>? _log;
    private readonly CancellationTokenSource _closed = new();
    private int _closeRequested;
    // Only touched by the receive loop.
    private uint _lastStreamId;

    public ServerConnection(Socket socket, HandlerRegistry handlers, Action<string>? log)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _pipe = PipeReader.Create(_stream, Pipes.ReaderOptions);
        _reader = new FrameReader(_pipe);
        _writer = new FrameWriter(_stream);
        _handlers = handlers;
        _log = log;
    }

    /// <summary>Receives until the peer goes away or <see cref="Close"/> is called; never throws.</summary>
    public async Task RunAsync()
    {
        try
        {
            while (await _reader.ReadAsync(_closed.Token).ConfigureAwait(false) is { } frame)
            {
                await OnFrameAsync(frame).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (_closed.IsCancellationRequested || Disconnects.IsPeerGone(ex))
        {
        }
        catch (Exception ex)
        {
            _log?.Invoke($"ttrpc: server connection failed: {ex.GetType().Name}: {ex.Message}");
        }
        finally
        {
            Close();
            await _pipe.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Cancels in-flight handlers and closes the socket; idempotent, thread-safe.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closeRequested, 1) != 0)
        {
            return;
        }

        // CancelAsync: run handler cancellation callbacks on the thread pool, not on the closing thread.
        _ = _closed.CancelAsync();
        _stream.Dispose();
    }

    private async ValueTask OnFrameAsync(Frame frame)
    {
        uint streamId = frame.Header.StreamId;
        if (frame.IsOversized)
        {
            await SendAsync(streamId, RequestInvoker.Failure(StatusCode.ResourceExhausted, Errors.Oversized(frame.Header.Length))).ConfigureAwait(false);
            return;
        }

        // Checked before the type, in the same order as ttrpc's receive loop.
        if (streamId % 2 != 1)
        {
            await SendAsync(streamId, RequestInvoker.Failure(StatusCode.InvalidArgument, Errors.OddStreamIdRequired)).ConfigureAwait(false);
            return;
        }

        if (frame.Header.Type != MessageType.Request)
        {
            return; // Data/Response/unknown frames: ignored for compatibility (unary only).
        }

        if (streamId <= _lastStreamId)
        {
            await SendAsync(streamId, RequestInvoker.Failure(StatusCode.InvalidArgument, Errors.StreamIdReused)).ConfigureAwait(false);
            return;
        }

        _lastStreamId = streamId;
        Request request;
        try
        {
            request = Request.Parser.ParseFrom(frame.Body);
        }
        catch (InvalidProtocolBufferException ex)
        {
            await SendAsync(streamId, RequestInvoker.Failure(StatusCode.InvalidArgument, $"unmarshal request error: {ex.Message}")).ConfigureAwait(false);
            return;
        }

        // Task.Run: even a handler that blocks synchronously must not stall this receive loop.
        _ = Task.Run(() => ServeAsync(streamId, request));
    }

    private async Task ServeAsync(uint streamId, Request request)
    {
        var responseSent = new ResponseSentCallbacks();
        Response response = await RequestInvoker.InvokeAsync(_handlers, request, _closed.Token, responseSent).ConfigureAwait(false);
        await SendAsync(streamId, response).ConfigureAwait(false);
        responseSent.Run(_log);
    }

    /// <summary>Writes a response; drops it silently when the connection is closed.</summary>
    private async Task SendAsync(uint streamId, Response response)
    {
        if (_closed.IsCancellationRequested)
        {
            return;
        }

        try
        {
            try
            {
                await _writer.WriteAsync(streamId, MessageType.Response, response, _closed.Token).ConfigureAwait(false);
            }
            catch (OversizedMessageException ex)
            {
                // The handler's answer cannot be framed; tell the caller instead of dropping the connection.
                Response failure = RequestInvoker.Failure(StatusCode.ResourceExhausted, ex.Message);
                await _writer.WriteAsync(streamId, MessageType.Response, failure, _closed.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (_closed.IsCancellationRequested || Disconnects.IsPeerGone(ex))
        {
            Close();
        }
        catch (Exception ex)
        {
            _log?.Invoke($"ttrpc: writing a response failed: {ex.GetType().Name}: {ex.Message}");
            Close();
        }
    }
}
