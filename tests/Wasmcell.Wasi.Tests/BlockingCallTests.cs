using System.Net;
using System.Net.Sockets;
using Wasmcell.Wasi.Abi;
using Wasmcell.Wasi.Tests.Infrastructure;

namespace Wasmcell.Wasi.Tests;

/// <summary>
/// Blocking host calls (tests/wasm-wasi/blocking.c): they wait for data like the real thing, and
/// RequestStop ends them so the guest traps instead of hanging. RequestStop may land before or
/// after the guest starts waiting; both must end the run, so the tests do not depend on timing.
/// </summary>
public sealed class BlockingCallTests
{
    private static GuestResult RunBlocking(string mode, WasiOptions options, Action<WasiHost> meanwhile)
    {
        options.Args.AddRange(new[] { "blocking.wasm", mode });
        var run = Task.Run(() => GuestRun.Run(CProgram.Build("blocking"), options, meanwhile));
        // A hang is the failure this guards against; 30 s is a deadlock detector, not a timing assertion.
        Assert.True(run.Wait(TimeSpan.FromSeconds(30)), $"guest in '{mode}' did not end after RequestStop");
        return run.Result;
    }

    private static void StopSoon(WasiHost host)
    {
        Thread.Sleep(200);
        host.RequestStop();
    }

    [Theory]
    [InlineData("read"), InlineData("poll"), InlineData("sleep")]
    public void Request_stop_ends_a_guest_blocked_on_stdin_or_poll(string mode)
    {
        using var stdin = new HostPipe(); // writer stays open: stdin never has data nor EOF
        var result = RunBlocking(mode, new WasiOptions { Stdin = stdin.Read }, StopSoon);
        Assert.Equal("before\n", result.Stdout);
        Assert.NotNull(result.Trap);
        Assert.Contains("asked to stop", result.Trap);
    }

    [Fact]
    public void Request_stop_ends_a_guest_blocked_in_sock_accept()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var options = new WasiOptions();
        options.Listeners.Add(listener);
        var result = RunBlocking("accept", options, StopSoon);
        Assert.Equal("before\n", result.Stdout);
        Assert.Contains("asked to stop", result.Trap);
    }

    [Fact]
    public void Blocking_read_returns_when_data_arrives()
    {
        using var stdin = new HostPipe();
        var result = RunBlocking("read", new WasiOptions { Stdin = stdin.Read }, _ =>
        {
            Thread.Sleep(100);
            stdin.WriteAll("hello"u8);
        });
        Assert.Null(result.Trap);
        Assert.Equal("before\nread 0 hello\nafter\n", result.Stdout);
    }

    [Fact]
    public void Poll_reports_stdin_when_data_arrives_before_the_clock()
    {
        using var stdin = new HostPipe();
        var result = RunBlocking("poll", new WasiOptions { Stdin = stdin.Read }, _ =>
        {
            Thread.Sleep(100);
            stdin.WriteAll("x"u8);
        });
        Assert.Null(result.Trap);
        Assert.Equal("before\npoll 0 1 2\nafter\n", result.Stdout);
    }

    [Fact]
    public void Non_blocking_stdin_reads_eagain_instead_of_waiting()
    {
        using var stdin = new HostPipe();
        var result = RunBlocking("nonblock", new WasiOptions { Stdin = stdin.Read }, _ => { });
        Assert.Equal($"before\nnonblock set=0 flags={(int)FdFlags.NonBlock} read={(int)Errno.Again}\nafter\n", result.Stdout);
    }

    [Fact]
    public void Request_stop_after_dispose_is_harmless()
    {
        var host = new WasiHost(new WasiOptions());
        host.Dispose();
        host.RequestStop();
        host.Dispose();
        Assert.Null(host.ExitCode);
    }
}
