using System.Text.RegularExpressions;
using Wasmcell.Emscripten.Tests.Infrastructure;

namespace Wasmcell.Emscripten.Tests;

/// <summary>
/// The seed's nginx (Emscripten 1.38, testdata/seed-samples/nginx) served by the Emscripten host end to end:
/// startup (environ, time, rlimit, mkdir of the temp dirs, /dev/std* opened by path, dup2, the listening socket),
/// select with timeouts, accept, recv, stat/open/pread of the files, writev of the responses, and the stop path.
/// </summary>
public sealed partial class NginxServesTests
{
    private static byte[] Seed(string relative) => File.ReadAllBytes(TestData.Path(Path.Combine("seed-samples/nginx", relative)));

    [Fact]
    public void Get_root_returns_index_html_byte_exact()
    {
        using var nginx = new NginxGuest();
        nginx.WaitUntilListening();
        using var http = new Http(nginx.Port);
        var reply = http.Get("/", keepAlive: false);
        Assert.Equal(200, reply.Status);
        Assert.Equal(Seed("html/index.html"), reply.Body);
        Assert.Equal("text/html", reply.Headers["Content-Type"]);
    }

    [Fact]
    public void Keep_alive_connection_serves_the_png_several_times_and_a_404()
    {
        using var nginx = new NginxGuest();
        nginx.WaitUntilListening();
        using var http = new Http(nginx.Port);
        var png = Seed("html/wasmer-logo.png");
        for (var i = 0; i < 3; i++)
        {
            var reply = http.Get("/wasmer-logo.png");
            Assert.Equal(200, reply.Status);
            Assert.Equal(png, reply.Body);
        }
        Assert.Equal(404, http.Get("/nope").Status);
        Assert.Equal(Seed("html/index.html"), http.Get("/").Body);
    }

    [Fact]
    public void Access_log_lines_reach_stdout_and_errors_reach_stderr()
    {
        using var nginx = new NginxGuest();
        nginx.WaitUntilListening();
        using (var http = new Http(nginx.Port))
        {
            http.Get("/");
            http.Get("/nope");
        }
        var log = Eventually(() => nginx.Stdout, s => s.Contains("\"GET /nope HTTP/1.1\" 404", StringComparison.Ordinal));
        Assert.Matches(AccessLine(), log);
        Assert.Contains("\"GET / HTTP/1.1\" 200 958", log, StringComparison.Ordinal);
        var errors = nginx.Stderr;
        Assert.Contains("using the \"select\" event method", errors, StringComparison.Ordinal);
        Assert.Contains("open() \"././html/nope\" failed (2: No such file or directory)", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Startup_creates_the_temp_dirs_and_the_pid_file_beneath_the_prefix()
    {
        using var nginx = new NginxGuest();
        nginx.WaitUntilListening();
        foreach (var dir in new[] { "client_body_temp", "proxy_temp", "fastcgi_temp", "uwsgi_temp", "scgi_temp" })
        {
            Assert.True(Directory.Exists(Path.Combine(nginx.Root, dir)), dir);
        }
        // The pid file comes after listen() (ABI.md §F, startup steps 14 and 17).
        var pidFile = Path.Combine(nginx.Root, "logs/nginx.pid");
        Assert.Matches(@"^\d+\n$", Eventually(() => File.Exists(pidFile) ? File.ReadAllText(pidFile) : "", s => s.EndsWith('\n')));
    }

    [Fact]
    public void Stop_while_nginx_waits_in_select_runs_its_sigterm_handler_and_exits_0()
    {
        using var nginx = new NginxGuest();
        nginx.WaitUntilListening();
        Thread.Sleep(100); // nginx is back in select with no timer
        var took = nginx.Stop();
        Assert.Equal(0, nginx.ExitCode);
        Assert.Contains("signal 15 (SIGTERM) received, exiting", nginx.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(nginx.Root, "logs/nginx.pid")), "nginx removes its pid file on a clean exit");
        Console.WriteLine($"nginx stopped {took.TotalMilliseconds:0.0} ms after RequestStop");
    }

    [Fact]
    public void Without_the_socket_capability_nginx_cannot_listen_and_exits_1()
    {
        using var nginx = new NginxGuest(allowSockets: false);
        Assert.True(nginx.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, nginx.ExitCode);
        Assert.Contains("socket() 0.0.0.0:", nginx.Stderr, StringComparison.Ordinal);
        Assert.Contains("(13: Permission denied)", nginx.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_only_root_refuses_the_temp_dirs_with_erofs_and_nginx_exits_1()
    {
        using var nginx = new NginxGuest(readOnlyRoot: true);
        Assert.True(nginx.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, nginx.ExitCode);
        Assert.Contains("(30: Read-only file system)", nginx.Stderr, StringComparison.Ordinal);
    }

    private static string Eventually(Func<string> read, Func<string, bool> done)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var value = read();
        while (!done(value) && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(20);
            value = read();
        }
        return value;
    }

    [GeneratedRegex(@"127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\] ""GET / HTTP/1\.1"" 200 958 ""-"" ""-""\n")]
    private static partial Regex AccessLine();
}
