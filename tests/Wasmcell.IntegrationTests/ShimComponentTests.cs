using System.Text.Json.Nodes;
using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests;

/// <summary>
/// A WASI preview2 command component (../shared/testdata/components/hello-cli.component.wasm, hello.c through
/// jco's preview1 adapter) in an image made by `wasmcell build`, run with `ctr run` through the shim: args, env
/// and the rootfs reach it, its exit code is what WASI 0.2 passes on (0 or 1), SIGTERM stops it whether it spins
/// or sleeps in a host call (SIGKILL 137), the memory limit fails its malloc, and a read-only mount refuses its writes.
/// </summary>
[Collection(PrivateContainerdCollection.Name)]
public sealed class ShimComponentTests(PrivateContainerd containerd)
{
    private const string Entry = "/hello-cli.component.wasm";

    // Its first line; the rest stays in wasi-libc's buffer (stdout is a FIFO, not a terminal) while it spins or sleeps.
    private const string Banner = "hello from wasi p2 component";

    /// <summary>Builds the image with the published CLI (once per containerd) and imports it.</summary>
    private Task<string> ImageAsync() =>
        ComponentImages.ImportAsync(containerd, TestData.Path("components/hello-cli.component.wasm"), "localhost/wct/hello-cli-component:1");

    private async Task<List<string>> RunArgsAsync(string id, IReadOnlyList<string> options, IReadOnlyList<string> guestArgs) =>
    [
        "run", "--rm", "--runtime", Runtimes.Wasm, "--fifo-dir", containerd.FifoDir, "--cgroup", containerd.CgroupOf(id),
        "--runc-root", containerd.RuncRoot, .. options, await ImageAsync(), id, Entry, .. guestArgs,
    ];

    private async Task<CommandResult> RunAsync(string id, IReadOnlyList<string> guestArgs, IReadOnlyList<string>? options = null)
    {
        try
        {
            return await containerd.Ctr.RunAsync(await RunArgsAsync(id, options ?? [], guestArgs));
        }
        finally
        {
            await containerd.ForgetAsync(id);
        }
    }

    [Fact]
    public async Task Args_env_stdin_and_the_rootfs_reach_the_component_and_it_exits_zero()
    {
        var id = containerd.NewId("component-hello");
        try
        {
            var run = CommandRunner.Start("ctr", ["--address", containerd.Address, "--namespace", containerd.Namespace,
                .. await RunArgsAsync(id, ["--env", "GREETING=hi there"], ["first", "two words"])], TimeSpan.FromSeconds(60), holdStdin: true);
            // ctr 1.6 passes on stdin's EOF only once the task exists (ShimStdioTests).
            await containerd.Ctr.WaitForStatusAsync(id, "RUNNING", TimeSpan.FromSeconds(20));
            await run.SendStdinAndCloseAsync("a line\n"u8.ToArray());
            var r = await run.Completion;

            Assert.True(r.ExitCode == 0, r.Describe());
            var lines = r.Stdout.Split('\n');
            Assert.Equal("hello from wasi p2 component", lines[0]);
            Assert.Contains($"argv[0]={Entry}", lines);
            Assert.Contains("argv[1]=first", lines);
            Assert.Contains("argv[2]=two words", lines);
            Assert.Contains("GREETING=hi there", lines);
            Assert.Contains("dirent: hello-cli.component.wasm", lines); // "." is the image's root (no WORKDIR)
            Assert.Contains("stdin: a line", lines);
            Assert.Equal("to stderr\n", r.Stderr);
            var left = await LeakCheck.LeftoversAsync(containerd, [id]);
            Assert.True(left.Count == 0, LeakCheck.Describe(left));
        }
        finally
        {
            await containerd.ForgetAsync(id);
        }
    }

    [Fact]
    public async Task A_nonzero_exit_is_1_as_wasi_0_2_passes_it_on()
    {
        var r = await RunAsync(containerd.NewId("component-exit"), ["exit", "7"]);
        Assert.True(r.ExitCode == 1, "exit 7 through the preview1 adapter is wasi:cli/exit error, 1: " + r.Describe());
    }

    [Theory]
    [InlineData("spin", "SIGTERM", 143)]
    [InlineData("sleep", "SIGTERM", 143)] // blocked in a host call, which the epoch does not interrupt
    [InlineData("spin", "SIGKILL", 137)]
    public async Task A_signal_ends_the_component_spinning_or_blocked_in_a_host_call(string mode, string signal, int expected)
    {
        var id = containerd.NewId($"component-{mode}");
        try
        {
            var guestArgs = mode == "spin" ? new[] { "spin" } : ["sleep", "600"];
            var run = CommandRunner.Start("ctr", ["--address", containerd.Address, "--namespace", containerd.Namespace,
                .. await RunArgsAsync(id, [], guestArgs)], TimeSpan.FromSeconds(60));
            Assert.True(await run.WaitForStdoutAsync(Banner, TimeSpan.FromSeconds(20)), "the guest never started: " + run.DescribeSoFar());
            var pid = (await containerd.Ctr.TaskAsync(id))?.Pid ?? 0;

            var kill = await containerd.Ctr.RunAsync("tasks", "kill", "--signal", signal, id);
            Assert.True(kill.ExitCode == 0, kill.Describe());
            var r = await run.Completion;

            Assert.False(r.TimedOut, $"{signal} did not end the {mode} component: " + r.Describe());
            Assert.True(r.ExitCode == expected, $"expected {expected} after {signal}: " + r.Describe());
            Assert.True(pid > 0 && await HostProcesses.WaitGoneAsync(pid, TimeSpan.FromSeconds(5)), $"task pid {pid} is still alive");
        }
        finally
        {
            await containerd.ForgetAsync(id);
        }
    }

    [Fact]
    public async Task Allocation_beyond_the_memory_limit_fails_cleanly_not_by_the_oom_killer()
    {
        var r = await RunAsync(containerd.NewId("component-alloc"), ["alloc", "512"], ["--memory-limit", (128L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        // malloc returned NULL before 512 MiB; hello.c prints how far it got and returns 3, which WASI 0.2 makes 1.
        Assert.True(r.ExitCode == 1, r.Describe());
        Assert.Matches(@"allocated \d+ MiB", r.Stdout);
        Assert.DoesNotContain("allocated 512 MiB", r.Stdout);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_read_only_mount_refuses_writes_and_a_writable_one_takes_them(bool readOnly)
    {
        var dir = Directory.CreateTempSubdirectory("wasmcell-component-mount-").FullName;
        try
        {
            // The cell runs unprivileged (ctr's default user is root, but every capability is dropped).
            File.SetUnixFileMode(dir, (UnixFileMode)0x1ff);
            var r = await RunAsync(containerd.NewId("component-mount"), ["write", "/data/out.txt"],
                ["--mount", $"type=bind,src={dir},dst=/data,options=rbind:{(readOnly ? "ro" : "rw")}"]);

            if (readOnly)
            {
                Assert.True(r.ExitCode == 1, r.Describe());
                Assert.Contains("open /data/out.txt failed: Operation not permitted", r.Stdout);
                Assert.False(File.Exists(Path.Combine(dir, "out.txt")));
            }
            else
            {
                Assert.True(r.ExitCode == 0, r.Describe());
                Assert.Equal("written by guest\n", File.ReadAllText(Path.Combine(dir, "out.txt")));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Wasmcell_build_makes_a_wasip2_artifact_of_a_component()
    {
        containerd.RequireShim();
        var layout = Directory.CreateTempSubdirectory("wasmcell-component-layout-").FullName;
        try
        {
            var build = await CommandRunner.RunAsync(Path.Combine(RepoLayout.Artifacts, "cli", "wasmcell"),
                ["build", TestData.Path("components/hello-cli.component.wasm"), "-t", "localhost/wct/hello-cli-artifact:1", "--format", "artifact", "--layout", layout],
                TimeSpan.FromMinutes(1));
            Assert.True(build.ExitCode == 0, build.Describe());

            var configs = Directory.GetFiles(Path.Combine(layout, "blobs", "sha256"))
                .Select(f => File.ReadAllText(f))
                .Where(t => t.Contains("\"layerDigests\"", StringComparison.Ordinal))
                .ToList();
            var config = JsonNode.Parse(Assert.Single(configs))!;
            Assert.Equal("wasip2", (string?)config["os"]);
            Assert.Contains("wasi:cli/run@0.2.12", config["component"]!["exports"]!.ToJsonString());
        }
        finally
        {
            Directory.Delete(layout, recursive: true);
        }
    }

    [Fact]
    public async Task A_component_cache_miss_is_compiled_by_the_daemon_and_the_next_cell_starts_from_the_cache()
    {
        // A component no cache has seen: hello-cli with a custom section of its own (valid at component level too).
        var first = containerd.NewId("component-cache");
        var rootfs = containerd.FreshRootfs(Flavor.Wasm, first);
        var name = "wasmcell-test"u8.ToArray();
        var payload = Guid.NewGuid().ToByteArray();
        byte[] unique = [.. File.ReadAllBytes(TestData.Path("components/hello-cli.component.wasm")),
            0x00, (byte)(1 + name.Length + payload.Length), (byte)name.Length, .. name, .. payload];
        File.WriteAllBytes(Path.Combine(rootfs, "unique.wasm"), unique);
        var offset = containerd.LogLength;
        var run = await SpecFile.RunAsync(containerd, first, SpecFile.Write(containerd, first, SpecFile.Minimal(rootfs, ["/unique.wasm", "exit", "0"])));
        Assert.True(run.ExitCode == 0, run.Describe());
        Assert.Matches($@"{first}: cell \d+ ready in [^\n]*; cache miss", containerd.LogSince(offset));
        await Eventually.TrueAsync(() => PrecompileKeys.HasEntryFor(containerd, unique), "a cache entry written by the daemon's precompile", TimeSpan.FromSeconds(60));

        var second = containerd.NewId("component-cache");
        offset = containerd.LogLength;
        run = await SpecFile.RunAsync(containerd, second, SpecFile.Write(containerd, second, SpecFile.Minimal(rootfs, ["/unique.wasm", "exit", "0"])));
        Assert.True(run.ExitCode == 0 && run.Stdout.StartsWith(Banner, StringComparison.Ordinal), run.Describe());
        Assert.Matches($@"{second}: cell \d+ ready in [^\n]*; cache hit [0-9a-f-]+;", containerd.LogSince(offset));
        Assert.Empty(await LeakCheck.LeftoversAsync(containerd, [first, second]));
    }

    /// <summary>
    /// A command whose run calls a function that executes unreachable, compiled from this component text by
    /// Wasmtime's wat2wasm (the tests here do not link Wasmtime):
    /// (component (core module $m (func $boom unreachable) (func (export "run") (result i32) call $boom i32.const 0))
    ///   (core instance $i (instantiate $m)) (func $run (result (result)) (canon lift (core func $i "run")))
    ///   (instance $exported (export "run" (func $run))) (export "wasi:cli/run@0.2.0" (instance $exported)))
    /// </summary>
    private const string TrappingComponent =
        "AGFzbQ0AAQABQgBhc20BAAAAAQgCYAAAYAABfwMDAgABBwcBA3J1bgABCgwCAwAACwYAEABBAAsAEgRuYW1lAAIBbQEHAQAEYm9vbQIEAQAAAAcIAmoAAEAAAAAGCQEAAAEAA3J1bggGAQAAAAABBQoBAQEAA3J1bgEACxgBABJ3YXNpOmNsaS9ydW5AMC4yLjAFAAAANg5jb21wb25lbnQtbmFtZQEGABEBAAFtAQYAEgEAAWkBBwEBAANydW4BDAUBAAhleHBvcnRlZA==";

    [Fact]
    public async Task A_trap_is_134_with_the_cause_and_the_backtrace_on_stderr()
    {
        var id = containerd.NewId("component-trap");
        var rootfs = containerd.FreshRootfs(Flavor.Wasm, id);
        File.WriteAllBytes(Path.Combine(rootfs, "trap.wasm"), Convert.FromBase64String(TrappingComponent));

        var r = await SpecFile.RunAsync(containerd, id, SpecFile.Write(containerd, id, SpecFile.Minimal(rootfs, ["/trap.wasm"])));

        Assert.True(r.ExitCode == 134, r.Describe());
        Assert.StartsWith("/trap.wasm: wasm trap: wasm `unreachable` instruction executed\n", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("boom", r.Stderr, StringComparison.Ordinal); // a frame of the backtrace, by its name
        Assert.Empty(await LeakCheck.LeftoversAsync(containerd, [id]));
    }

    [Fact]
    public async Task A_func_entrypoint_is_refused_for_a_component_at_create()
    {
        var id = containerd.NewId("component-func");
        var rootfs = containerd.FreshRootfs(Flavor.Wasm, id);
        File.Copy(TestData.Path("components/hello-cli.component.wasm"), Path.Combine(rootfs, "hello-cli.wasm"));

        var r = await SpecFile.RunAsync(containerd, id, SpecFile.Write(containerd, id, SpecFile.Minimal(rootfs, ["/hello-cli.wasm#main"])));

        Assert.True(r.ExitCode != 0, r.Describe());
        Assert.Contains("is a WebAssembly component, which runs its wasi:cli/run export; '#main' entrypoints apply to core modules only", r.Stderr, StringComparison.Ordinal);
        await containerd.ForgetAsync(id);
    }

    [Fact]
    public async Task A_component_is_refused_clearly_in_a_shared_cell()
    {
        var id = containerd.NewId("component-shared");
        var rootfs = containerd.FreshRootfs(Flavor.Wasm, id);
        File.Copy(TestData.Path("components/hello-cli.component.wasm"), Path.Combine(rootfs, "hello-cli.wasm"));
        var request = new RunRequest(id, Runtimes.Wasm, rootfs, ["/hello-cli.wasm", "exit", "0"])
        {
            Annotations = new Dictionary<string, string> { ["wasmcell.io/isolation"] = "shared" },
        };

        var r = await containerd.RunAsync(request);

        Assert.True(r.ExitCode != 0, r.Describe());
        Assert.Contains("/hello-cli.wasm is a WebAssembly component (WASI preview2), which runs only in a cell of its own", r.Stderr, StringComparison.Ordinal);
        await containerd.ForgetAsync(id);
    }
}
