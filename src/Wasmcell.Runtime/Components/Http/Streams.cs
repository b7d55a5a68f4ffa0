using System.Diagnostics;

namespace Wasmcell.Runtime.Components.Http;

/// <summary>A wasi:io input-stream's host side.</summary>
internal abstract class InputStream
{
    /// <summary>Reads up to buffer.Length bytes, blocking until at least one arrives; 0 when the stream has ended.</summary>
    public abstract int Read(Span<byte> buffer);
}

/// <summary>The request body, as the server reads it from the connection (Content-Length or chunked, decoded).</summary>
internal sealed class RequestBodyStream(IHttpExchange exchange) : InputStream
{
    public override int Read(Span<byte> buffer) => exchange.ReadBody(buffer);
}

/// <summary>stdin of a proxy: there is none, it has ended.</summary>
internal sealed class EmptyInputStream : InputStream
{
    public override int Read(Span<byte> buffer) => 0;
}

/// <summary>A wasi:io output-stream's host side.</summary>
internal abstract class OutputStream
{
    public abstract void Write(ReadOnlySpan<byte> data);
}

/// <summary>The stream of an outgoing-body: a served response's, or an outgoing request's.</summary>
internal sealed class BodySinkStream(BodySink body) : OutputStream
{
    public override void Write(ReadOnlySpan<byte> data) => body.Write(data);
}

/// <summary>Guest stdout or stderr: the container's, each write passed on whole.</summary>
internal sealed class StdioStream(Action<ReadOnlySpan<byte>> write) : OutputStream
{
    public override void Write(ReadOnlySpan<byte> data) => write(data);
}

/// <summary>
/// A wasi:io pollable. Streams here are always ready (a read blocks in the host until data comes, which wasi:io
/// allows for a single-threaded guest); clocks make pollables that are ready at a deadline, and an outgoing request's
/// future one that is ready when its response head (or its failure) is in. Waiting ends early, with
/// <see cref="OperationCanceledException"/> (a trap), when the proxy is stopped.
/// </summary>
internal sealed class Pollable
{
    public static Pollable Ready() => new(null, null);

    public static Pollable At(long deadlineNanos) => new(deadlineNanos, null);

    /// <summary>Ready once <paramref name="signal"/> has completed (whether it succeeded or not).</summary>
    public static Pollable When(Task signal) => new(null, signal);

    private Pollable(long? deadlineNanos, Task? signal)
    {
        DeadlineNanos = deadlineNanos;
        Signal = signal;
    }

    /// <summary>On <see cref="MonotonicClock"/>'s scale, or null: ready now (or when <see cref="Signal"/> is).</summary>
    public long? DeadlineNanos { get; }

    public Task? Signal { get; }

    public bool IsReady => Signal is { } s ? s.IsCompleted : DeadlineNanos is not long d || MonotonicClock.NowNanos >= d;

    public void Block(CancellationToken stop)
    {
        if (Signal is { } signal)
        {
            WaitAny([signal], Timeout.Infinite, stop);
        }
        else if (DeadlineNanos is long d)
        {
            MonotonicClock.SleepUntil(d, stop);
        }
    }

    /// <summary>Waits until one of <paramref name="pollables"/> may be ready (a signal completed, or the earliest deadline passed).</summary>
    public static void WaitForAny(IReadOnlyList<Pollable> pollables, CancellationToken stop)
    {
        var signals = pollables.Where(p => p.Signal is not null).Select(p => p.Signal!).ToArray();
        var deadlines = pollables.Where(p => p.Signal is null && p.DeadlineNanos is not null).Select(p => p.DeadlineNanos!.Value).ToList();
        if (signals.Length == 0)
        {
            MonotonicClock.SleepUntil(deadlines.Count == 0 ? 0 : deadlines.Min(), stop);
            return;
        }
        var timeout = deadlines.Count == 0 ? Timeout.Infinite
            : (int)Math.Clamp((deadlines.Min() - MonotonicClock.NowNanos + 999_999) / 1_000_000, 0, int.MaxValue);
        WaitAny(signals, timeout, stop);
    }

    private static void WaitAny(Task[] signals, int timeoutMs, CancellationToken stop)
    {
        // Task.WaitAny does not throw for a faulted task: a failed request is "ready" too.
        try
        {
            Task.WaitAny(signals, timeoutMs, stop);
        }
        catch (OperationCanceledException)
        {
            throw new OperationCanceledException("the guest was stopped");
        }
    }
}

/// <summary>wasi:clocks/monotonic-clock's time: nanoseconds on the Stopwatch's scale.</summary>
internal static class MonotonicClock
{
    public static long NowNanos => (long)(Stopwatch.GetTimestamp() * (1_000_000_000.0 / Stopwatch.Frequency));

    /// <summary>Sleeps until the deadline; a stop (<paramref name="stop"/>) ends it with <see cref="OperationCanceledException"/>.</summary>
    public static void SleepUntil(long deadlineNanos, CancellationToken stop = default)
    {
        while (NowNanos < deadlineNanos)
        {
            var ms = (deadlineNanos - NowNanos) / 1_000_000.0;
            if (stop.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(Math.Max(ms, 0.05))))
            {
                throw new OperationCanceledException("the guest was stopped");
            }
        }
    }
}
