using System.Diagnostics;
using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests;

/// <summary>
/// A wasi:http/proxy component (../shared/testdata/components/hello-proxy.component.wasm, echo.js through
/// componentize-js) in an image made by `wasmcell build`, started with `ctr run -d` through the shim: the cell serves
/// it over HTTP on 0.0.0.0:8080 in the container's new network namespace (or on WASMTIME_HTTP_PROXY_SOCKET_ADDR),
/// the JS handler's answer comes back for GET and POST, and `ctr task kill` (SIGTERM) drains and exits 0. In the
/// host's network namespace the socket policy refuses the listener at create. The 14 MB component is compiled into
/// the private containerd's precompile cache once, by `wasmcell precompile`, so each start is a cache hit.
/// </summary>
[Collection(PrivateContainerdCollection.Name)]
public sealed class ShimProxyComponentTests(PrivateContainerd containerd)
{
    private static string Component => TestData.Path("components/hello-proxy.component.wasm");

    private static string Cli => ComponentImages.Cli;

    /// <summary>Builds and imports the image and warms the cache (once per containerd).</summary>
    private Task<string> ImageAsync() => ComponentImages.ImportAsync(containerd, Component, "localhost/wct/hello-proxy-component:1", precompile: true);

    private async Task<(string NetNs, string Log)> StartAsync(string id, params string[] options)
    {
        var log = Path.Combine(containerd.Dir, $"{id}.out");
        var image = await ImageAsync();
        var sinceRun = Stopwatch.StartNew();
        var started = await containerd.Ctr.RunAsync(["run", "--detach", "--runtime", Runtimes.Wasm, "--fifo-dir", containerd.FifoDir,
            "--cgroup", containerd.CgroupOf(id), "--log-uri", "file://" + log, .. options, image, id]);
        Assert.True(started.ExitCode == 0, started.Describe());
        var task = await containerd.Ctr.WaitForStatusAsync(id, "RUNNING", TimeSpan.FromSeconds(10));
        Assert.True(task?.Status == "RUNNING", $"task: {task}");
        Console.WriteLine($"ctr run -d of the proxy component to RUNNING: {sinceRun.ElapsedMilliseconds} ms");
        return ($"--net=/proc/{task!.Pid}/ns/net", log);
    }

    [Fact]
    public async Task The_component_serves_in_its_network_namespace_and_sigterm_drains_it_to_exit_0()
    {
        var id = containerd.NewId("proxy");
        try
        {
            var (netns, log) = await StartAsync(id);
            var url = "http://127.0.0.1:8080";
            await WaitUntilServingAsync(netns, url, log);
            // A component runs in the component cell: the core-module cell has no component code (CellFeatures).
            var cell = (await containerd.Ctr.TaskAsync(id))!.Pid;
            Assert.Equal(ShimBinary.ComponentCellFileName, Path.GetFileName(new FileInfo($"/proc/{cell}/exe").LinkTarget));

            var get = await CommandRunner.RunAsync("nsenter", [netns, "curl", "-sS", "-i", "--max-time", "20", $"{url}/hello?x=1"], TimeSpan.FromSeconds(30));
            Assert.True(get.ExitCode == 0, get.Describe());
            Assert.StartsWith("HTTP/1.1 200 OK", get.Stdout);
            Assert.Contains("x-guest: p2-proxy", get.Stdout);
            Assert.EndsWith("hello from componentize-js: GET /hello body=\n", get.Stdout);

            // Two POSTs over one connection (keep-alive), the second announced with Expect: 100-continue as curl does for big bodies.
            using var dir = new TempDir();
            File.WriteAllText(dir["big"], new string('z', 100_000));
            var post = await CommandRunner.RunAsync("nsenter", [netns, "curl", "-sS", "--max-time", "20",
                "-w", "\\n%{http_code} %{num_connects}\\n", "--data-binary", "posted", $"{url}/echo",
                "--next", "-w", "\\n%{http_code} %{num_connects}\\n", "-H", "Expect: 100-continue", "--data-binary", "@" + dir["big"], $"{url}/big"],
                TimeSpan.FromSeconds(30));
            Assert.True(post.ExitCode == 0, post.Describe());
            var lines = post.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("hello from componentize-js: POST /echo body=posted", lines[0]);
            Assert.Equal("200 1", lines[1]);
            Assert.Equal($"hello from componentize-js: POST /big body={new string('z', 100_000)}", lines[2]);
            Assert.Equal("200 0", lines[3]);

            var clock = Stopwatch.StartNew();
            var kill = await containerd.Ctr.RunAsync("tasks", "kill", id);
            Assert.True(kill.ExitCode == 0, kill.Describe());
            var stopped = await containerd.Ctr.WaitForStatusAsync(id, "STOPPED", TimeSpan.FromSeconds(15));
            Assert.True(stopped?.Status == "STOPPED", $"still {stopped?.Status} 15 s after SIGTERM");
            Console.WriteLine($"the proxy stopped {clock.ElapsedMilliseconds} ms after ctr task kill");
            // Drained and exited 0: ctr task delete names any other exit code.
            var delete = await containerd.Ctr.RunAsync("tasks", "delete", id);
            Assert.True(delete.ExitCode == 0, delete.Describe());
            Assert.DoesNotContain("exit code", delete.Stdout + delete.Stderr, StringComparison.Ordinal);
            Assert.Contains("Serving HTTP on http://0.0.0.0:8080/", File.ReadAllText(log), StringComparison.Ordinal);
        }
        finally
        {
            await containerd.ForgetAsync(id);
        }
    }

    [Fact]
    public async Task WASMTIME_HTTP_PROXY_SOCKET_ADDR_moves_the_listener()
    {
        var id = containerd.NewId("proxy-addr");
        try
        {
            var (netns, log) = await StartAsync(id, "--env", "WASMTIME_HTTP_PROXY_SOCKET_ADDR=127.0.0.1:9090");
            await WaitUntilServingAsync(netns, "http://127.0.0.1:9090", log);

            var get = await CommandRunner.RunAsync("nsenter", [netns, "curl", "-sS", "--max-time", "20", "http://127.0.0.1:9090/moved"], TimeSpan.FromSeconds(30));
            Assert.True(get.ExitCode == 0, get.Describe());
            Assert.Equal("hello from componentize-js: GET /moved body=\n", get.Stdout);
            var old = await CommandRunner.RunAsync("nsenter", [netns, "curl", "-sS", "--max-time", "5", "http://127.0.0.1:8080/"], TimeSpan.FromSeconds(10));
            Assert.NotEqual(0, old.ExitCode);
            await containerd.Ctr.RunAsync("tasks", "kill", id);
            await containerd.Ctr.WaitForStatusAsync(id, "STOPPED", TimeSpan.FromSeconds(15));
        }
        finally
        {
            await containerd.ForgetAsync(id);
        }
    }

    [Fact]
    public async Task In_the_hosts_network_namespace_the_listener_is_refused_at_create()
    {
        var id = containerd.NewId("proxy-host");
        try
        {
            var run = await containerd.Ctr.RunAsync(["run", "--rm", "--net-host", "--runtime", Runtimes.Wasm, "--fifo-dir", containerd.FifoDir,
                "--cgroup", containerd.CgroupOf(id), await ImageAsync(), id], TimeSpan.FromSeconds(60));

            Assert.NotEqual(0, run.ExitCode);
            Assert.Contains("wasi:http/proxy component, which listens on a socket", run.Stdout + run.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            await containerd.ForgetAsync(id);
        }
    }

    [Fact]
    public async Task Wasmcell_run_serves_the_component_on_listen_and_sigterm_drains_it_to_exit_0()
    {
        await ImageAsync(); // the CLI and the cache warmed with the component
        var port = 18000 + Random.Shared.Next(1000);
        var run = CommandRunner.Start(Cli, ["run", "--cache-dir", containerd.PrecompileDir, "--listen", $"127.0.0.1:{port}", Component], TimeSpan.FromMinutes(2));
        try
        {
            var answer = await EventuallyCurlAsync($"http://127.0.0.1:{port}/local", run);
            Assert.Equal("hello from componentize-js: GET /local body=\n", answer);

            var kill = await CommandRunner.RunAsync("kill", ["-TERM", run.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
            Assert.True(kill.ExitCode == 0, kill.Describe());
            var r = await run.Completion;

            Assert.True(r.ExitCode == 0, r.Describe());
            Assert.Contains($"Serving HTTP on http://127.0.0.1:{port}/", r.Stderr, StringComparison.Ordinal);
            Assert.Contains("served ", r.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            if (!run.Completion.IsCompleted)
            {
                await CommandRunner.RunAsync("kill", ["-KILL", run.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
            }
        }
    }

    private static async Task<string> EventuallyCurlAsync(string url, RunningCommand server)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        CommandResult probe;
        do
        {
            probe = await CommandRunner.RunAsync("curl", ["-sS", "--max-time", "5", url], TimeSpan.FromSeconds(10));
            if (probe.ExitCode == 0)
            {
                return probe.Stdout;
            }
            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline && !server.Completion.IsCompleted);
        throw new Xunit.Sdk.XunitException($"wasmcell run did not serve: {probe.Describe()}\n{server.DescribeSoFar()}");
    }

    private static async Task WaitUntilServingAsync(string netns, string url, string log)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        CommandResult probe;
        do
        {
            probe = await CommandRunner.RunAsync("nsenter", [netns, "curl", "-s", "-o", "/dev/null", "--max-time", "2", url + "/"], TimeSpan.FromSeconds(10));
            if (probe.ExitCode == 0)
            {
                return;
            }
            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"the proxy did not serve within 30 s: {probe.Describe()}\nlog:\n{(File.Exists(log) ? File.ReadAllText(log) : "(none)")}");
    }
}
