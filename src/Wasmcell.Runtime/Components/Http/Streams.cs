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

internal sealed class ResponseBodyStream(OutgoingBody body) : OutputStream
{
    public OutgoingBody Body { get; } = body;

    public override void Write(ReadOnlySpan<byte> data) => Body.Write(data);
}

/// <summary>Guest stdout or stderr: the container's, each write passed on whole.</summary>
internal sealed class StdioStream(Action<ReadOnlySpan<byte>> write) : OutputStream
{
    public override void Write(ReadOnlySpan<byte> data) => write(data);
}

/// <summary>
/// A wasi:io pollable. Streams here are always ready (a read blocks in the host until data comes, which wasi:io
/// allows for a single-threaded guest); clocks make pollables that are ready at a deadline.
/// </summary>
internal sealed class Pollable
{
    public static Pollable Ready() => new(null);

    public static Pollable At(long deadlineNanos) => new(deadlineNanos);

    private Pollable(long? deadlineNanos) => DeadlineNanos = deadlineNanos;

    /// <summary>On <see cref="MonotonicClock"/>'s scale, or null: ready now.</summary>
    public long? DeadlineNanos { get; }

    public bool IsReady => DeadlineNanos is not long d || MonotonicClock.NowNanos >= d;

    public void Block()
    {
        if (DeadlineNanos is long d)
        {
            MonotonicClock.SleepUntil(d);
        }
    }
}

/// <summary>wasi:clocks/monotonic-clock's time: nanoseconds on the Stopwatch's scale.</summary>
internal static class MonotonicClock
{
    public static long NowNanos => (long)(Stopwatch.GetTimestamp() * (1_000_000_000.0 / Stopwatch.Frequency));

    public static void SleepUntil(long deadlineNanos)
    {
        while (NowNanos < deadlineNanos)
        {
            var ms = (deadlineNanos - NowNanos) / 1_000_000.0;
            Thread.Sleep(TimeSpan.FromMilliseconds(Math.Max(ms, 0.05)));
        }
    }
}
