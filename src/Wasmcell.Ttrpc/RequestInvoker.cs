using Google.Protobuf;
using Wasmcell.Ttrpc.Wire;

namespace Wasmcell.Ttrpc;

/// <summary>
/// Runs one request through its handler and turns the outcome into a <see cref="Response"/>. This is the
/// only place where handler exceptions become status codes.
/// </summary>
internal static class RequestInvoker
{
    // CancellationTokenSource rejects delays above uint.MaxValue - 1 ms (~49 days); longer means "none".
    private static readonly TimeSpan LongestDeadline = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    public static async Task<Response> InvokeAsync(
        HandlerRegistry handlers, Request request, CancellationToken connectionClosed, ResponseSentCallbacks responseSent)
    {
        TtrpcHandler handler;
        try
        {
            handler = handlers.Find(request.Service, request.Method);
        }
        catch (TtrpcException ex)
        {
            return Failure(ex.Code, ex.Message);
        }

        using CancellationTokenSource? deadline = Deadline(request.TimeoutNano) is { } timeout
            ? new CancellationTokenSource(timeout)
            : null;
        using CancellationTokenSource callCancelled = deadline is null
            ? CancellationTokenSource.CreateLinkedTokenSource(connectionClosed)
            : CancellationTokenSource.CreateLinkedTokenSource(connectionClosed, deadline.Token);
        var context = new TtrpcCallContext(request.Service, request.Method, Metadata(request), callCancelled.Token, responseSent);
        try
        {
            IMessage? result = await handler(request.Payload.Memory, context).ConfigureAwait(false);
            // Always send a status and a (possibly empty) payload: Go peers fail on a missing payload
            // ("marshal called with nil"), and an OK status encodes as `0a 00` like the Go shims send.
            return new Response
            {
                Status = new Status(),
                Payload = result is null ? ByteString.Empty : result.ToByteString(),
            };
        }
        catch (TtrpcException ex)
        {
            return Failure(ex.Code, ex.Message);
        }
        catch (OperationCanceledException) when (deadline?.IsCancellationRequested == true)
        {
            return Failure(StatusCode.DeadlineExceeded, Errors.DeadlineExceeded);
        }
        catch (OperationCanceledException) when (connectionClosed.IsCancellationRequested)
        {
            // Nobody will read this answer: the connection is gone.
            return Failure(StatusCode.Cancelled, Errors.Cancelled);
        }
        catch (Exception ex)
        {
            return Failure(StatusCode.Unknown, ex.Message);
        }
    }

    public static Response Failure(StatusCode code, string message) =>
        new() { Status = new Status { Code = (int)code, Message = message } };

    internal static TimeSpan? Deadline(long timeoutNano)
    {
        if (timeoutNano <= 0)
        {
            return null;
        }

        // Round up so that 1..99 ns still means "a deadline", not "expired already".
        var timeout = TimeSpan.FromTicks((timeoutNano / 100) + (timeoutNano % 100 == 0 ? 0 : 1));
        return timeout > LongestDeadline ? null : timeout;
    }

    private static KeyValuePair<string, string>[] Metadata(Request request)
    {
        if (request.Metadata.Count == 0)
        {
            return [];
        }

        var metadata = new KeyValuePair<string, string>[request.Metadata.Count];
        for (int i = 0; i < metadata.Length; i++)
        {
            metadata[i] = new KeyValuePair<string, string>(request.Metadata[i].Key, request.Metadata[i].Value);
        }

        return metadata;
    }
}
