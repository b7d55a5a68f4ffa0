using System.Diagnostics;
using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests;

/// <summary>
/// The seed's headline demo through the shim (issue 12): nginx.wasm (Emscripten 1.38) in an image built by
/// `wasmcell build` from the seed's files plus an empty logs/, imported and started with `ctr run -d` in the new
/// network namespace ctr's spec asks for. From inside that namespace it serves index.html and the png byte-exact,
/// 404s a missing file over one keep-alive connection, its access log reaches the container's stdout, and
/// `ctr task kill` (SIGTERM) ends it cleanly within a second. In the host's network namespace (--net-host) the
/// socket policy refuses its listening socket.
/// </summary>
[Collection(PrivateContainerdCollection.Name)]
public sealed class ShimNginxTests(PrivateContainerd containerd)
{
    private const int Port = 8080;

    private static string Seed(string relative) => TestData.Path(Path.Combine("seed-samples/nginx", relative));

    [Fact]
    public async Task Seed_nginx_serves_in_its_network_namespace_and_stops_cleanly_on_sigterm()
    {
        var id = containerd.NewId("nginx");
        var image = await BuildAndImportAsync(id);
        var stdout = Path.Combine(containerd.Dir, $"{id}.out");
        try
        {
            var sinceRun = Stopwatch.StartNew();
            var started = await containerd.Ctr.RunAsync("run", "--detach", "--runtime", Runtimes.Wasm, "--fifo-dir", containerd.FifoDir,
                "--cgroup", containerd.CgroupOf(id), "--log-uri", "file://" + stdout, image, id);
            Assert.True(started.ExitCode == 0, started.Describe());
            var task = await containerd.Ctr.WaitForStatusAsync(id, "RUNNING", TimeSpan.FromSeconds(10));
            Assert.True(task?.Status == "RUNNING", $"task: {task}");
            var netns = $"--net=/proc/{task!.Pid}/ns/net";
            Assert.NotEqual(new FileInfo("/proc/self/ns/net").LinkTarget, new FileInfo($"/proc/{task.Pid}/ns/net").LinkTarget);
            await WaitUntilServingAsync(netns, stdout);
            Console.WriteLine($"ctr run -d to the first 200: {sinceRun.ElapsedMilliseconds} ms");

            using var dir = new TempDir();
            // One curl, one connection: the index, the png twice and a 404 over keep-alive.
            var curl = await CommandRunner.RunAsync("nsenter", [netns, "curl", "-sS", "--max-time", "20",
                "-o", dir["index.html"], "-w", "%{http_code} %{num_connects}\\n", $"http://127.0.0.1:{Port}/",
                "-o", dir["logo1.png"], "-w", "%{http_code} %{num_connects}\\n", $"http://127.0.0.1:{Port}/wasmer-logo.png",
                "-o", dir["logo2.png"], "-w", "%{http_code} %{num_connects}\\n", $"http://127.0.0.1:{Port}/wasmer-logo.png",
                "-o", dir["nope"], "-w", "%{http_code} %{num_connects}\\n", $"http://127.0.0.1:{Port}/nope"], TimeSpan.FromSeconds(30));
            Assert.True(curl.ExitCode == 0, curl.Describe());
            // num_connects counts new connections per transfer: 1 for the first, 0 when the connection was reused.
            Assert.Equal(["200 1", "200 0", "200 0", "404 0"], curl.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal(File.ReadAllBytes(Seed("html/index.html")), File.ReadAllBytes(dir["index.html"]));
            Assert.Equal(File.ReadAllBytes(Seed("html/wasmer-logo.png")), File.ReadAllBytes(dir["logo1.png"]));
            Assert.Equal(File.ReadAllBytes(Seed("html/wasmer-logo.png")), File.ReadAllBytes(dir["logo2.png"]));

            var log = await EventuallyAsync(() => File.ReadAllText(stdout), s => s.Contains("\"GET /nope HTTP/1.1\" 404", StringComparison.Ordinal));
            Assert.Contains("127.0.0.1 - - [", log, StringComparison.Ordinal);
            Assert.Contains("\"GET / HTTP/1.1\" 200 958 \"-\" \"curl/", log, StringComparison.Ordinal);
            Assert.Contains("\"GET /wasmer-logo.png HTTP/1.1\" 200 15613", log, StringComparison.Ordinal);

            var clock = Stopwatch.StartNew();
            var kill = await containerd.Ctr.RunAsync("tasks", "kill", id);
            Assert.True(kill.ExitCode == 0, kill.Describe());
            var stopped = await containerd.Ctr.WaitForStatusAsync(id, "STOPPED", TimeSpan.FromSeconds(10));
            var took = clock.Elapsed;
            Assert.True(stopped?.Status == "STOPPED", $"still {stopped?.Status} 10 s after SIGTERM");
            Console.WriteLine($"nginx stopped {took.TotalMilliseconds:0} ms after ctr task kill");
            Assert.True(took < TimeSpan.FromSeconds(1), $"nginx took {took.TotalMilliseconds:0} ms to stop after SIGTERM");
            // nginx ran its SIGTERM handler: it logged the signal and exited 0 (ctr task delete names any other code).
            Assert.Contains("signal 15 (SIGTERM) received, exiting", File.ReadAllText(stdout), StringComparison.Ordinal);
            var delete = await containerd.Ctr.RunAsync("tasks", "delete", id);
            Assert.True(delete.ExitCode == 0, delete.Describe());
            Assert.DoesNotContain("exit code", delete.Stdout + delete.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            await containerd.ForgetAsync(id);
            await containerd.Ctr.RunAsync("images", "rm", image);
        }
    }

    [Fact]
    public async Task In_the_hosts_network_namespace_nginx_gets_no_socket_and_exits_1()
    {
        var id = containerd.NewId("nginx-host");
        var image = await BuildAndImportAsync(id);
        try
        {
            var run = await containerd.Ctr.RunAsync(["run", "--rm", "--net-host", "--runtime", Runtimes.Wasm, "--fifo-dir", containerd.FifoDir,
                "--cgroup", containerd.CgroupOf(id), image, id], TimeSpan.FromSeconds(60));
            Assert.True(run.ExitCode == 1, run.Describe());
            Assert.Contains("(13: Permission denied)", run.Stdout + run.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            await containerd.ForgetAsync(id);
            await containerd.Ctr.RunAsync("images", "rm", image);
        }
    }

    /// <summary>`wasmcell build` of the seed's files plus an empty logs/, as an archive `ctr images import` takes.</summary>
    private async Task<string> BuildAndImportAsync(string id)
    {
        containerd.RequireShim();
        var cli = Path.Combine(RepoLayout.Artifacts, "cli", "wasmcell");
        Assert.True(File.Exists(cli), $"no {cli}: run scripts/publish.sh");
        var image = $"localhost/wct/{id}:1";
        var logs = Directory.CreateDirectory(Path.Combine(containerd.Dir, $"{id}-logs")).FullName;
        var archive = Path.Combine(containerd.Dir, $"{id}.oci.tar");
        var build = await CommandRunner.RunAsync(cli, ["build", Seed("nginx.wasm"), "-t", image, "-o", archive,
            "--cmd", "[\"nginx.wasm\",\"-p\",\".\",\"-c\",\"nginx.conf\"]",
            "--file", Seed("nginx.conf") + ":/nginx.conf", "--file", Seed("html") + ":/html", "--file", logs + ":/logs"], TimeSpan.FromMinutes(2));
        Assert.True(build.ExitCode == 0, build.Describe());
        Console.WriteLine(build.Stdout.Trim());
        var import = await containerd.Ctr.RunAsync("images", "import", archive);
        Assert.True(import.ExitCode == 0, import.Describe());
        return image;
    }

    private static async Task WaitUntilServingAsync(string netns, string stdout)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        CommandResult probe;
        do
        {
            probe = await CommandRunner.RunAsync("nsenter", [netns, "curl", "-s", "-o", "/dev/null", "--max-time", "2", $"http://127.0.0.1:{Port}/"], TimeSpan.FromSeconds(10));
            if (probe.ExitCode == 0)
            {
                return;
            }
            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"nginx did not serve within 30 s: {probe.Describe()}\nstdout/stderr:\n{(File.Exists(stdout) ? File.ReadAllText(stdout) : "(none)")}");
    }

    private static async Task<string> EventuallyAsync(Func<string> read, Func<string, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        var value = read();
        while (!done(value) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            value = read();
        }
        return value;
    }
}
