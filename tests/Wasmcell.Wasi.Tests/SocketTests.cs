using System.Net;
using System.Net.Sockets;
using System.Text;
using Wasmcell.Wasi.Tests.Infrastructure;

namespace Wasmcell.Wasi.Tests;

/// <summary>
/// Sockets: preview1 preopened listeners (wazero's `wasi sock`), and the WasmEdge socket extension
/// (../shared/testdata/wasmedge-socket/http_server.wasm answering a real HTTP POST on loopback).
/// </summary>
public sealed class SocketTests
{
    private static Socket LoopbackListener(int port = 0)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, port));
        s.Listen();
        return s;
    }

    [Theory]
    [InlineData("cargo-wasi"), InlineData("zig-cc")]
    public async Task Wazero_wasi_sock_receives_from_a_preopened_listener(string toolchain)
    {
        using var listener = LoopbackListener();
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var options = new WasiOptions();
        options.Args.AddRange(new[] { "wasi", "sock" });
        options.Listeners.Add(listener);
        GuestResult r;
        using (var client = new TcpClient())
        {
            // Connected and written before the guest starts: its accept loop takes the connection from the backlog
            // with the bytes already there. Started first, a guest that accepts non-blocking (zig-cc) could reach its
            // one recv before the bytes, get EAGAIN and print "ERR: failed to read data" (seen once on a loaded CI).
            await client.ConnectAsync(IPAddress.Loopback, port);
            await client.GetStream().WriteAsync("wazero"u8.ToArray());
            r = await Task.Run(() => GuestRun.Run(TestData.Path($"wazero/imports/wasi_snapshot_preview1/testdata/{toolchain}/wasi.wasm"), options))
                .WaitAsync(TimeSpan.FromSeconds(30));
        }
        Assert.True(r.ExitCode == 0, r.Stderr + r.Trap);
        Assert.EndsWith("wazero\n", r.Stdout + r.Stderr);
    }

    [Fact]
    public async Task WasmEdge_http_server_answers_a_real_post()
    {
        int port;
        using (var probe = LoopbackListener())
        {
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        var options = new WasiOptions { AllowSocketExtension = true };
        options.Args.Add("http_server.wasm");
        options.Env.Add($"PORT={port}");
        WasiHost? running = null;
        var run = Task.Run(() => GuestRun.Run(TestData.Path("wasmedge-socket/http_server.wasm"), options, h => running = h));
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
            string body = "";
            for (int attempt = 0; attempt < 100; attempt++)
            {
                if (run.IsCompleted)
                {
                    var early = await run;
                    Assert.Fail($"server ended: {early.Stdout}{early.Stderr}{early.Trap}");
                }
                try
                {
                    var response = await http.PostAsync($"http://127.0.0.1:{port}/", new StringContent("name=WasmEdge", Encoding.ASCII));
                    body = await response.Content.ReadAsStringAsync();
                    break;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(100); // not listening yet
                }
            }
            Assert.Equal("echo: name=WasmEdge", body);
        }
        finally
        {
            SpinWait.SpinUntil(() => running is not null, TimeSpan.FromSeconds(10));
            running?.RequestStop();
            await run.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public void Without_the_extension_sock_open_is_not_capable()
    {
        var options = new WasiOptions();
        options.Args.Add("http_server.wasm");
        options.Env.Add("PORT=1");
        var r = GuestRun.Run(TestData.Path("wasmedge-socket/http_server.wasm"), options);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("Capabilities insufficient", r.Stdout + r.Stderr + r.Trap);
    }

    /// <summary>tests/wasm-wasi/http_server.c accepts on a preopened listener; real curl talks to it.</summary>
    [Fact]
    public async Task C_http_server_on_a_preopened_listener_serves_curl()
    {
        using var listener = LoopbackListener();
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var options = new WasiOptions();
        options.Args.AddRange(new[] { "http_server.wasm", "2" });
        options.Listeners.Add(listener);
        var run = Task.Run(() => GuestRun.Run(CProgram.Build("http_server"), options));
        foreach (var path in new[] { "/", "/index.html" })
        {
            var curl = await CommandRunner.RunAsync("curl", ["-s", "--max-time", "20", $"http://127.0.0.1:{port}{path}"], TimeSpan.FromSeconds(30));
            Assert.True(curl.ExitCode == 0, curl.Describe());
            Assert.Equal($"hello from wasi {path}\n", curl.Stdout);
        }
        var r = await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode == 0, r.Stderr + r.Trap);
    }
}
