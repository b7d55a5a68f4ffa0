using System.Net;
using System.Net.Sockets;

namespace Wasmcell.Cli.Tests;

/// <summary>
/// `wasmcell run` runs the seed's nginx (Emscripten 1.38) like a WASI module: the directories it is given, sockets
/// only with --allow-sockets (it runs in the host's network namespace), SIGTERM ends it cleanly. Uses the published
/// CLI (scripts/publish.sh, run on demand).
/// </summary>
public sealed class RunEmscriptenTests : IDisposable
{
    private readonly TempDir _dir = new("wasmcell-run-nginx-");
    private readonly int _port = FreePort();

    public RunEmscriptenTests()
    {
        var seed = TestData.Path("seed-samples/nginx");
        Directory.CreateDirectory(_dir["root/logs"]);
        Directory.CreateDirectory(_dir["root/html"]);
        foreach (var file in Directory.GetFiles(Path.Combine(seed, "html")))
        {
            File.Copy(file, _dir.Combine("root", "html", Path.GetFileName(file)));
        }
        File.Copy(Path.Combine(seed, "nginx.wasm"), _dir["root/nginx.wasm"]);
        File.WriteAllText(_dir["root/nginx.conf"], File.ReadAllText(Path.Combine(seed, "nginx.conf"))
            .Replace("listen       8080;", $"listen       127.0.0.1:{_port};", StringComparison.Ordinal));
    }

    public void Dispose() => _dir.Dispose();

    private RunningCommand Run(bool allowSockets)
    {
        ShimBinary.EnsurePublished();
        var cli = Path.Combine(RepoLayout.Artifacts, "cli", "wasmcell");
        var root = _dir["root"];
        List<string> args = ["run", "--dir", root + "::.", "--dir", root + "::/"];
        if (allowSockets)
        {
            args.Add("--allow-sockets");
        }
        args.AddRange([_dir["root/nginx.wasm"], "--", "-p", ".", "-c", "nginx.conf"]);
        return CommandRunner.Start(cli, args, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task With_allow_sockets_nginx_serves_index_html_and_sigterm_exits_0()
    {
        var run = Run(allowSockets: true);
        var body = await GetAsync(run, "/");
        Assert.Equal(File.ReadAllBytes(_dir["root/html/index.html"]), body);
        Assert.True(await run.WaitForStdoutAsync("\"GET / HTTP/1.1\" 200 958", TimeSpan.FromSeconds(10)), run.DescribeSoFar());

        Assert.Equal(0, Wasmcell.Linux.Libc.Kill(run.Pid, 15));
        var result = await run.Completion;
        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Contains("signal 15 (SIGTERM) received, exiting", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_allow_sockets_nginx_gets_no_socket_and_exits_1()
    {
        var result = await Run(allowSockets: false).Completion;
        Assert.True(result.ExitCode == 1, result.Describe());
        Assert.Contains("(13: Permission denied)", result.Stderr, StringComparison.Ordinal);
    }

    private async Task<byte[]> GetAsync(RunningCommand run, string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                return await http.GetByteArrayAsync($"http://127.0.0.1:{_port}{path}");
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline && !run.Completion.IsCompleted)
            {
                await Task.Delay(50);
            }
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
