using Wasmcell.Emscripten.Tests.Infrastructure;
using Wasmcell.Wasi;

namespace Wasmcell.Emscripten.Tests;

/// <summary>
/// The libc-style imports (ABI.md §B.2, §B.4, §C.5, §D.2): -1/NULL with errno in guest memory, 32-bit time,
/// microseconds in gettimeofday, a NUL-terminated strftime, environ and getenv from the container's env only,
/// limits and identity the way nginx needs them at startup.
/// </summary>
public sealed class LibraryFunctionTests
{
    private static AbiGuest Guest(params string[] env)
    {
        var options = new WasiOptions();
        options.Env.AddRange(env);
        return new AbiGuest(options, [122, 201, 340],
            ("_sysconf", 1, true), ("_gettimeofday", 2, true), ("_time", 1, true), ("_clock_gettime", 2, true),
            ("_localtime_r", 2, true), ("_strftime", 4, true), ("___buildEnvironment", 1, false), ("_getenv", 1, true),
            ("_getpwnam", 1, true), ("_sigaction", 3, true), ("_sigemptyset", 1, true), ("getTotalMemory", 0, true));
    }

    [Fact]
    public void Failures_are_minus_one_with_errno_in_guest_memory()
    {
        using var g = Guest();
        Assert.Equal(-1, g.Call("_sysconf", 9999));
        Assert.Equal(22, g.Errno); // EINVAL
        Assert.Equal(-1, g.Call("_clock_gettime", 42, g.Alloc(8)));
        Assert.Equal(Environment.ProcessorCount, g.Call("_sysconf", 84));
        Assert.Equal(16384, g.Call("_sysconf", 30));
    }

    [Fact]
    public void Time_is_32_bit_and_gettimeofday_has_microseconds()
    {
        using var g = Guest();
        var tv = g.Alloc(8);
        Assert.Equal(0, g.Call("_gettimeofday", tv, 0));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.InRange(g.I32(tv), now - 5, now + 5);
        Assert.InRange(g.I32(tv + 4), 0, 999_999);
        var t = g.Alloc(8);
        g.Memory.WriteU32(t + 4, 0xdeadbeef);
        Assert.InRange(g.Call("_time", t), now - 5, now + 5);
        Assert.Equal(unchecked((int)0xdeadbeef), g.I32(t + 4));
        var ts = g.Alloc(8);
        Assert.Equal(0, g.Call("_clock_gettime", 6, ts)); // CLOCK_MONOTONIC_COARSE, nginx's clock
        Assert.InRange(g.I32(ts + 4), 0, 999_999_999);
    }

    [Fact]
    public void Localtime_r_and_strftime_fill_tm_in_utc_and_nul_terminate()
    {
        using var g = Guest();
        var t = g.Words(1_544_056_238); // 2018-12-06 00:30:38 UTC
        var tm = g.Alloc(44);
        Assert.Equal(tm, g.Call("_localtime_r", t, tm));
        Assert.Equal([38, 30, 0, 6, 11, 118, 4, 339, 0, 0], Enumerable.Range(0, 10).Select(i => g.I32(tm + (i * 4))));
        var s = g.Alloc(16);
        g.Memory.Span(s, 16).Fill((byte)'?');
        Assert.Equal(2, g.Call("_strftime", s, 4, g.Str("%H"), tm));
        Assert.Equal("00", g.CString(s));
        Assert.Equal(0, g.Call("_strftime", s, 4, g.Str("%Y-%m"), tm)); // does not fit in 4
        Assert.Equal(20, g.Call("_strftime", s, 32, g.Str("%d/%b/%Y:%H:%M:%S"), tm));
        Assert.Equal("06/Dec/2018:00:30:38", g.CString(s));
    }

    [Fact]
    public void Environ_and_getenv_hold_the_containers_env_only()
    {
        using var g = Guest("PATH=/", "NGINX_MODE=test");
        var environ = g.Alloc(4);
        g.Invoke("___buildEnvironment", environ);
        var array = g.I32(environ);
        Assert.Equal("PATH=/", g.CString(g.I32(array)));
        Assert.Equal("NGINX_MODE=test", g.CString(g.I32(array + 4)));
        Assert.Equal(0, g.I32(array + 8));
        Assert.Equal("test", g.CString(g.Call("_getenv", g.Str("NGINX_MODE"))));
        Assert.Equal(0, g.Call("_getenv", g.Str("NGINX")));
        Assert.Equal(0, g.Call("_getenv", g.Str("HOME")));
    }

    [Fact]
    public void Startup_identity_limits_and_memory_are_what_nginx_expects()
    {
        using var g = Guest();
        Assert.Equal(65534, g.Sys(201)); // never root: no getpwnam/chown path
        var old = g.Alloc(16);
        Assert.Equal(0, g.Sys(340, 0, 7, 0, old)); // prlimit64(0, RLIMIT_NOFILE, NULL, &old)
        Assert.Equal(1024, g.I32(old));
        Assert.Equal(1024, g.I32(old + 8));
        var uts = g.Alloc(390);
        Assert.Equal(0, g.Sys(122, uts));
        Assert.Equal("Linux", g.CString(uts));
        Assert.Equal(16 << 20, g.Call("getTotalMemory"));
        var pw = g.Call("_getpwnam", g.Str("nobody"));
        Assert.Equal("nobody", g.CString(g.I32(pw)));
        Assert.Equal(65534, g.I32(pw + 8));
        Assert.Equal(0, g.Call("_getpwnam", g.Str("root")));
    }

    [Fact]
    public void Sigaction_records_the_handler_and_reports_the_previous_one()
    {
        using var g = Guest();
        var act = g.Alloc(140);
        g.Memory.WriteU32(act, 27);
        g.Memory.WriteU32(act + 132, 4); // SA_SIGINFO
        Assert.Equal(0, g.Call("_sigaction", 15, act, 0));
        Assert.True(g.Host.HandlesTermination);
        var old = g.Alloc(140);
        Assert.Equal(0, g.Call("_sigaction", 15, act, old));
        Assert.Equal(27, g.I32(old));
        Assert.Equal(4, g.I32(old + 132));
        var set = g.Alloc(128);
        g.Memory.Span(set, 128).Fill(0xff);
        Assert.Equal(0, g.Call("_sigemptyset", set));
        Assert.True(g.Memory.Span(set, 128).ToArray().All(b => b == 0));
    }
}
