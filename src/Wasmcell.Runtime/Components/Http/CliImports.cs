using System.Security.Cryptography;

namespace Wasmcell.Runtime.Components.Http;

/// <summary>
/// wasi:cli, clocks, random and the file-system preopens as a proxy sees them: the container's env and args, its
/// stdout and stderr, no stdin, no terminal, no directories (componentize-js imports these beyond the strict proxy
/// world, components.md).
/// </summary>
internal static class CliImports
{
    /// <summary>A guest asking for more random bytes than this in one call traps instead of allocating it.</summary>
    private const ulong MaxRandomBytes = 1 << 20;

    public static readonly ImportInterface Environment = new("wasi:cli/environment", [],
        [
            ("get-environment", GetEnvironment),
            ("get-arguments", c => c.Return(ComponentVal.OfList([.. c.State.Environment.Args.Select(ComponentVal.OfString)]))),
            ("initial-cwd", c => c.Return(ComponentVal.None())),
        ]);

    public static readonly ImportInterface Exit = new("wasi:cli/exit", [],
        [
            ("exit", _ => throw new InvalidOperationException("the guest called wasi:cli/exit.exit while handling a request")),
            ("exit-with-code", c => throw new InvalidOperationException($"the guest called wasi:cli/exit.exit-with-code({c.Arg(0).U32}) while handling a request")),
        ]);

    public static readonly ImportInterface Stdin = new("wasi:cli/stdin", [],
        [("get-stdin", c => c.Return(c.Own(ResourceKind.InputStream, new EmptyInputStream())))]);

    public static readonly ImportInterface Stdout = new("wasi:cli/stdout", [],
        [("get-stdout", c => c.Return(c.Own(ResourceKind.OutputStream, new StdioStream(c.State.Environment.Stdout))))]);

    public static readonly ImportInterface Stderr = new("wasi:cli/stderr", [],
        [("get-stderr", c => c.Return(c.Own(ResourceKind.OutputStream, new StdioStream(c.State.Environment.Stderr))))]);

    public static readonly ImportInterface TerminalStdin = new("wasi:cli/terminal-stdin", [],
        [("get-terminal-stdin", c => c.Return(ComponentVal.None()))]);

    public static readonly ImportInterface TerminalStdout = new("wasi:cli/terminal-stdout", [],
        [("get-terminal-stdout", c => c.Return(ComponentVal.None()))]);

    public static readonly ImportInterface TerminalStderr = new("wasi:cli/terminal-stderr", [],
        [("get-terminal-stderr", c => c.Return(ComponentVal.None()))]);

    public static readonly ImportInterface Preopens = new("wasi:filesystem/preopens", [],
        [("get-directories", c => c.Return(ComponentVal.OfList([])))]);

    public static readonly ImportInterface MonotonicClock = new("wasi:clocks/monotonic-clock", [],
        [
            ("now", c => c.Return(ComponentVal.OfU64((ulong)Http.MonotonicClock.NowNanos))),
            ("resolution", c => c.Return(ComponentVal.OfU64(1))),
            ("subscribe-instant", c => c.Return(c.Own(ResourceKind.Pollable, Pollable.At((long)Math.Min(c.Arg(0).U64, long.MaxValue))))),
            ("subscribe-duration", c => c.Return(c.Own(ResourceKind.Pollable,
                Pollable.At(Http.MonotonicClock.NowNanos + (long)Math.Min(c.Arg(0).U64, long.MaxValue / 2))))),
        ]);

    public static readonly ImportInterface WallClock = new("wasi:clocks/wall-clock", [],
        [
            ("now", c => c.Return(DateTime(DateTimeOffset.UtcNow))),
            ("resolution", c => c.Return(ComponentVal.Record([("seconds", ComponentVal.OfU64(0)), ("nanoseconds", ComponentVal.OfU32(100))]))),
        ]);

    public static readonly ImportInterface Random = new("wasi:random/random", [],
        [
            ("get-random-bytes", c => c.Return(RandomBytes(c.Arg(0).U64))),
            ("get-random-u64", c => c.Return(ComponentVal.OfU64(RandomU64()))),
        ]);

    public static readonly ImportInterface InsecureRandom = new("wasi:random/insecure", [],
        [
            ("get-insecure-random-bytes", c => c.Return(RandomBytes(c.Arg(0).U64))),
            ("get-insecure-random-u64", c => c.Return(ComponentVal.OfU64(RandomU64()))),
        ]);

    public static readonly ImportInterface InsecureSeed = new("wasi:random/insecure-seed", [],
        [("insecure-seed", c => c.Return(ComponentVal.Tuple(ComponentVal.OfU64(RandomU64()), ComponentVal.OfU64(RandomU64()))))]);

    private static void GetEnvironment(HostCall c)
    {
        var pairs = c.State.Environment.Env.Select(e =>
        {
            var i = e.IndexOf('=');
            return ComponentVal.Tuple(ComponentVal.OfString(i < 0 ? e : e[..i]), ComponentVal.OfString(i < 0 ? "" : e[(i + 1)..]));
        });
        c.Return(ComponentVal.OfList([.. pairs]));
    }

    private static ComponentVal DateTime(DateTimeOffset now)
    {
        var ticks = now.ToUnixTimeMilliseconds() * TimeSpan.TicksPerMillisecond + now.Ticks % TimeSpan.TicksPerMillisecond;
        var seconds = (ulong)(ticks / TimeSpan.TicksPerSecond);
        var nanos = (uint)(ticks % TimeSpan.TicksPerSecond * 100);
        return ComponentVal.Record([("seconds", ComponentVal.OfU64(seconds)), ("nanoseconds", ComponentVal.OfU32(nanos))]);
    }

    private static ComponentVal RandomBytes(ulong length)
    {
        if (length > MaxRandomBytes)
        {
            throw new InvalidOperationException($"{length} random bytes asked for in one call (at most {MaxRandomBytes})");
        }
        var bytes = new byte[length];
        RandomNumberGenerator.Fill(bytes);
        return ComponentVal.OfBytes(bytes);
    }

    private static ulong RandomU64()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToUInt64(bytes);
    }
}
