using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests;

/// <summary>
/// Shared mode (issue 13): Wasm containers with <c>wasmcell.io/isolation: shared</c> run as stores of one sandboxed
/// cell process of their daemon, each with its own stdio, exit code, stop and delete, as in independent mode; a
/// trap, a kill or a bad module ends only its own container; the death of the shared process ends all of its
/// containers with 255 and the next container starts a new one. Root, containerd.
/// </summary>
[Collection(PrivateContainerdCollection.Name)]
public sealed class ShimSharedModeTests(PrivateContainerd containerd)
{
    private static readonly Dictionary<string, string> Shared = new() { ["wasmcell.io/isolation"] = "shared" };

    [Fact]
    public async Task Shared_containers_share_one_cell_process_and_keep_their_own_output_exit_codes_and_stops()
    {
        var (sleeper, spinner) = (containerd.NewId("shared-sleep"), containerd.NewId("shared-spin"));
        var sleeping = containerd.StartRun(Request(sleeper, "/sleep.wasm"));
        var spinning = containerd.StartRun(Request(spinner, "/spin.wasm"));
        try
        {
            Assert.True(await sleeping.WaitForStdoutAsync("sleeping", TimeSpan.FromSeconds(20)), sleeping.DescribeSoFar());
            Assert.True(await spinning.WaitForStdoutAsync("spinning", TimeSpan.FromSeconds(20)), spinning.DescribeSoFar());
            var cell = (await containerd.Ctr.TaskAsync(sleeper))!.Pid;
            Assert.Equal(cell, (await containerd.Ctr.TaskAsync(spinner))!.Pid);
            Assert.Equal(["__shared"], HostProcesses.Cmdline(cell)!.Split(' ').Skip(1));

            // Their own output and exit codes, one after the other in the same process.
            var hello = await containerd.RunAsync(Request(containerd.NewId("shared-hello"), "/hello.wasm"));
            Assert.True(hello.ExitCode == 0, hello.Describe());
            Assert.Contains("hello from wasm", hello.Stdout, StringComparison.Ordinal);
            var exit = await containerd.RunAsync(Request(containerd.NewId("shared-exit"), "/exitcode.wasm", "7"));
            Assert.True(exit.ExitCode == 7, exit.Describe());
            Assert.Contains("exiting with 7", exit.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("hello", exit.Stdout, StringComparison.Ordinal);

            // A trap ends its own container only.
            var trap = await containerd.RunAsync(Request(containerd.NewId("shared-trap"), "/trap-unreachable.wasm"));
            Assert.True(trap.ExitCode == 134, trap.Describe());
            Assert.Contains("unreachable", trap.Stderr, StringComparison.Ordinal);

            // So does a stack overflow (Wasmtime's guard, a trap), and a guest at its memory limit sees malloc fail.
            var overflow = await containerd.RunAsync(Request(containerd.NewId("shared-stack"), "/stack-overflow.wasm"));
            Assert.True(overflow.ExitCode == 134, overflow.Describe());
            // That refused memory.grow is its OOM: containerd gets /tasks/oom for it (CRI's reason OOMKilled), its stderr says so.
            await using (var events = await EventsRecorder.StartAsync(containerd))
            {
                var mallocId = containerd.NewId("shared-malloc");
                var capped = await containerd.RunAsync(Request(mallocId, "/cri-malloc.wasm") with { Flags = ["--memory-limit", $"{32 << 20}"] });
                Assert.True(capped.ExitCode == 0, capped.Describe());
                var got = long.Parse(System.Text.RegularExpressions.Regex.Match(capped.Stdout, @"failed after (\d+) bytes").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                Assert.InRange(got, 16L << 20, 32L << 20);
                Assert.Contains($"the container's memory limit is {32 << 20} bytes", capped.Stderr, StringComparison.Ordinal);
                bool Oom(string line) => line.Contains(" /tasks/oom ", StringComparison.Ordinal) && line.Contains($"\"container_id\":\"{mallocId}\"", StringComparison.Ordinal);
                Assert.True(await events.WaitForAsync(lines => lines.Any(Oom), TimeSpan.FromSeconds(10)),
                    $"no /tasks/oom for {mallocId}:\n{string.Join('\n', events.Lines.Where(l => l.Contains(mallocId, StringComparison.Ordinal)))}");
                // Only the one that ran out: not the sleeper and the spinner running beside it.
                Assert.DoesNotContain(events.Lines, l => l.Contains(" /tasks/oom ", StringComparison.Ordinal) && !Oom(l));
            }

            // A module the cell refuses fails at create, naming it; the shared cell serves on.
            var bad = await containerd.RunAsync(Request(containerd.NewId("shared-bad"), "/unknown-abi.wasm"));
            Assert.NotEqual(0, bad.ExitCode);
            Assert.Contains("unknown-abi.wasm", bad.Stderr, StringComparison.Ordinal);

            Assert.Equal("RUNNING", (await containerd.Ctr.TaskAsync(sleeper))!.Status);
            Assert.Equal("RUNNING", (await containerd.Ctr.TaskAsync(spinner))!.Status);

            // SIGTERM ends the sleeper blocked in a host call (143), SIGKILL the spinner (137); the process stays.
            Assert.Equal(0, (await containerd.Ctr.RunAsync("tasks", "kill", "--signal", "SIGTERM", sleeper)).ExitCode);
            var slept = await sleeping.Completion;
            Assert.True(slept.ExitCode == 143, slept.Describe());
            Assert.Equal("RUNNING", (await containerd.Ctr.TaskAsync(spinner))!.Status);
            Assert.True(HostProcesses.IsAlive(cell));
            Assert.Equal(0, (await containerd.Ctr.RunAsync("tasks", "kill", "--signal", "SIGKILL", spinner)).ExitCode);
            var spun = await spinning.Completion;
            Assert.True(spun.ExitCode == 137, spun.Describe());

            // With its last container gone the daemon leaves, and the shared cell with it.
            Assert.True(await HostProcesses.WaitGoneAsync(cell, TimeSpan.FromSeconds(10)), $"shared cell {cell} outlived its containers");
            Assert.Empty(await LeakCheck.LeftoversAsync(containerd, [sleeper, spinner]));
        }
        finally
        {
            await containerd.ForgetAsync(sleeper);
            await containerd.ForgetAsync(spinner);
        }
    }

    [Fact]
    public async Task A_shared_cell_s_cache_miss_is_compiled_for_its_own_engine_and_the_next_shared_container_starts_from_it()
    {
        // The shared cell's engine differs from an independent cell's (budgeted memory, no copy-on-write images), so
        // its cache entries are its own: the daemon's precompile must compile for it, or every start would be a miss.
        var first = containerd.NewId("shared-cache");
        var rootfs = containerd.FreshRootfs(Flavor.Wasm, first);
        File.WriteAllBytes(Path.Combine(rootfs, "unique.wasm"), PrecompileKeys.UniqueModule(File.ReadAllBytes(Path.Combine(rootfs, "hello.wasm"))));
        Dictionary<string, object> SharedSpec()
        {
            var spec = SpecFile.Minimal(rootfs, ["/unique.wasm"]);
            spec["annotations"] = Shared;
            return spec;
        }
        var offset = containerd.LogLength;
        var before = DateTime.UtcNow.AddSeconds(-1);
        var run = await SpecFile.RunAsync(containerd, first, SpecFile.Write(containerd, first, SharedSpec()));
        Assert.True(run.ExitCode == 0, run.Describe());
        Assert.Matches($@"{first}: shared cell \d+: ready in [^\n]*; cache miss", containerd.LogSince(offset));
        await Eventually.TrueAsync(() => PrecompileKeys.WrittenSince(containerd, before) > 0, "a cache entry written by the daemon's precompile", TimeSpan.FromSeconds(60));

        var second = containerd.NewId("shared-cache");
        offset = containerd.LogLength;
        run = await SpecFile.RunAsync(containerd, second, SpecFile.Write(containerd, second, SharedSpec()));
        Assert.True(run.ExitCode == 0, run.Describe());
        Assert.Contains("hello from wasm", run.Stdout, StringComparison.Ordinal);
        Assert.Matches($@"{second}: shared cell \d+: ready in [^\n]*; cache hit [0-9a-f-]+;", containerd.LogSince(offset));
        Assert.Empty(await LeakCheck.LeftoversAsync(containerd, [first, second]));
    }

    [Fact]
    public async Task Killing_the_shared_cell_ends_each_of_its_containers_with_255_and_the_next_container_starts_a_new_one()
    {
        var (a, b) = (containerd.NewId("shared-a"), containerd.NewId("shared-b"));
        var first = containerd.StartRun(Request(a, "/sleep.wasm"));
        var second = containerd.StartRun(Request(b, "/spin.wasm"));
        try
        {
            Assert.True(await first.WaitForStdoutAsync("sleeping", TimeSpan.FromSeconds(20)), first.DescribeSoFar());
            Assert.True(await second.WaitForStdoutAsync("spinning", TimeSpan.FromSeconds(20)), second.DescribeSoFar());
            var cell = (await containerd.Ctr.TaskAsync(a))!.Pid;

            System.Diagnostics.Process.GetProcessById(cell).Kill();

            Assert.True((await first.Completion).ExitCode == 255, first.DescribeSoFar());
            Assert.True((await second.Completion).ExitCode == 255, second.DescribeSoFar());
            Assert.Contains($"shared cell {cell} died", containerd.LogSince(0), StringComparison.Ordinal);
            var hello = containerd.NewId("shared-after");
            var after = await containerd.RunAsync(Request(hello, "/hello.wasm"));
            Assert.True(after.ExitCode == 0, after.Describe());
            Assert.Contains("hello from wasm", after.Stdout, StringComparison.Ordinal);
            Assert.Empty(await LeakCheck.LeftoversAsync(containerd, [a, b, hello]));
        }
        finally
        {
            await containerd.ForgetAsync(a);
            await containerd.ForgetAsync(b);
        }
    }

    [Fact]
    public async Task Stats_are_each_shared_container_s_own_and_its_cpu_quota_and_memory_limit_hold_inside_the_shared_cell()
    {
        var (capped, free, holder) = (containerd.NewId("shared-cpu-capped"), containerd.NewId("shared-cpu-free"), containerd.NewId("shared-hold"));
        var cappedRun = containerd.StartRun(Request(capped, "/spin.wasm") with { Flags = ["--cpu-quota", "5000", "--cpu-period", "100000"] });
        var freeRun = containerd.StartRun(Request(free, "/spin.wasm"));
        var holding = containerd.StartRun(Request(holder, "/hold.wasm", "8") with { Flags = ["--memory-limit", $"{64 << 20}"] });
        try
        {
            Assert.True(await cappedRun.WaitForStdoutAsync("spinning", TimeSpan.FromSeconds(20)), cappedRun.DescribeSoFar());
            Assert.True(await freeRun.WaitForStdoutAsync("spinning", TimeSpan.FromSeconds(20)), freeRun.DescribeSoFar());
            Assert.True(await holding.WaitForStdoutAsync("holding 8 MiB", TimeSpan.FromSeconds(20)), holding.DescribeSoFar());

            // Two spinners in one process: the one with a 5% quota gets a fraction of what the other gets.
            var (cappedBefore, freeBefore) = (await MetricsAsync(capped), await MetricsAsync(free));
            await Task.Delay(1500);
            var (cappedAfter, freeAfter) = (await MetricsAsync(capped), await MetricsAsync(free));
            var cappedCpu = CpuTotal(cappedAfter) - CpuTotal(cappedBefore);
            var freeCpu = CpuTotal(freeAfter) - CpuTotal(freeBefore);
            Assert.True(freeCpu > 0 && cappedCpu < freeCpu / 2, $"cpu over 1.5 s: capped {cappedCpu / 1e6:0} ms, free {freeCpu / 1e6:0} ms");
            Assert.True(cappedAfter.GetProperty("cpu").GetProperty("throttling").GetProperty("throttled_periods").GetUInt64() > 0, cappedAfter.ToString());

            // The holder's linear memory (8 MiB of blocks and the program's own pages), under its limit.
            var memory = (await MetricsAsync(holder)).GetProperty("memory").GetProperty("usage");
            Assert.InRange(memory.GetProperty("usage").GetUInt64(), 8UL << 20, 16UL << 20);
            Assert.Equal(64UL << 20, memory.GetProperty("limit").GetUInt64());

            // Tables are host memory outside the linear memory, with no cgroup around them here: the memory limit
            // bounds them too, so a table hog sees table.grow fail (its exit 3) and the shared cell serves on.
            var hog = await containerd.RunAsync(Request(containerd.NewId("shared-table-hog"), "/cri-table-hog.wasm") with { Flags = ["--memory-limit", $"{64 << 20}"] });
            Assert.True(hog.ExitCode == 3, hog.Describe());
            Assert.Equal("RUNNING", (await containerd.Ctr.TaskAsync(holder))!.Status);

            foreach (var id in new[] { capped, free, holder })
            {
                Assert.Equal(0, (await containerd.Ctr.RunAsync("tasks", "kill", "--signal", "SIGKILL", id)).ExitCode);
            }
            Assert.Equal(137, (await cappedRun.Completion).ExitCode);
            Assert.Equal(137, (await freeRun.Completion).ExitCode);
            Assert.Equal(137, (await holding.Completion).ExitCode);
        }
        finally
        {
            await containerd.ForgetAsync(capped);
            await containerd.ForgetAsync(free);
            await containerd.ForgetAsync(holder);
        }
    }

    private async Task<System.Text.Json.JsonElement> MetricsAsync(string id)
    {
        var result = await containerd.Ctr.RunAsync("tasks", "metrics", "--format", "json", id);
        Assert.True(result.ExitCode == 0, result.Describe());
        return System.Text.Json.JsonDocument.Parse(result.Stdout).RootElement.Clone();
    }

    private static ulong CpuTotal(System.Text.Json.JsonElement metrics) =>
        metrics.GetProperty("cpu").GetProperty("usage").TryGetProperty("total", out var total) ? total.GetUInt64() : 0;

    [Fact]
    public async Task The_runtime_type_io_containerd_wasm_shared_v1_runs_containers_in_the_shared_cell_without_an_annotation()
    {
        // What `wasmcell install` puts beside the shim for the RuntimeClass wasm-shared (scripts/publish.sh does too).
        containerd.RequireShim();
        var link = Path.Combine(containerd.Dir, "opt", "bin", "containerd-shim-wasm-shared-v1");
        if (!File.Exists(link))
        {
            File.CreateSymbolicLink(link, "containerd-shim-wasm-v1");
        }
        var id = containerd.NewId("shared-rt");
        var request = containerd.Request(Flavor.Wasm, id, ["/sleep.wasm"]) with { Runtime = "io.containerd.wasm-shared.v1" };
        var run = containerd.StartRun(request);
        try
        {
            Assert.True(await run.WaitForStdoutAsync("sleeping", TimeSpan.FromSeconds(20)), run.DescribeSoFar());
            var cell = (await containerd.Ctr.TaskAsync(id))!.Pid;
            Assert.Equal(["__shared"], HostProcesses.Cmdline(cell)!.Split(' ').Skip(1));

            Assert.Equal(0, (await containerd.Ctr.RunAsync("tasks", "kill", id)).ExitCode);
            var done = await run.Completion;
            Assert.True(done.ExitCode == 143, done.Describe());
            Assert.Empty(await LeakCheck.LeftoversAsync(containerd, [id]));
        }
        finally
        {
            await containerd.ForgetAsync(id);
        }
    }

    [Fact]
    public async Task A_shared_daemon_a_launcher_has_promised_to_containerd_stays_for_that_container_when_its_last_one_leaves()
    {
        var (first, second) = (containerd.NewId("shared-keep-a"), containerd.NewId("shared-keep-b"));
        var started = await containerd.RunAsync(Request(first, "/sleep.wasm") with { Detach = true });
        Assert.True(started.ExitCode == 0, started.Describe());
        var daemon = HostProcesses.ParentPid((await containerd.Ctr.TaskAsync(first))!.Pid)!.Value;
        try
        {
            // What containerd does first for the next container of the group: the launcher's `start` in its bundle.
            var bundle = Path.Combine(containerd.Dir, "tmp", second);
            Directory.CreateDirectory(bundle);
            await File.WriteAllTextAsync(Path.Combine(bundle, "config.json"), "{\"annotations\":{\"wasmcell.io/isolation\":\"shared\"}}");
            var launcher = await CommandRunner.RunAsync("/bin/sh",
                ["-c", "cd \"$1\" && exec \"$2\" -namespace \"$3\" -address \"$4\" -publish-binary /bin/true -id \"$5\" start",
                 "sh", bundle, Path.Combine(containerd.OptBin, "containerd-shim-wasm-v1"), containerd.Namespace, containerd.Address, second],
                TimeSpan.FromSeconds(30));
            Assert.True(launcher.ExitCode == 0, launcher.Describe());

            // The daemon's only container leaves before containerd's Create for the promised one arrives: the daemon
            // must not retire (linger 0) and leave containerd an address nobody serves.
            Assert.Equal(0, (await containerd.Ctr.RunAsync("tasks", "kill", "--signal", "SIGKILL", first)).ExitCode);
            Assert.Equal("STOPPED", (await containerd.Ctr.WaitForStatusAsync(first, "STOPPED", TimeSpan.FromSeconds(10)))?.Status);
            Assert.Equal(0, (await containerd.Ctr.RunAsync("tasks", "delete", first)).ExitCode);
            await Task.Delay(500);
            Assert.True(HostProcesses.IsAlive(daemon), $"shared daemon {daemon} retired although a launcher had promised it for {second}");

            // The promised container runs in it; with that one gone the daemon leaves.
            var hello = await containerd.RunAsync(Request(second, "/hello.wasm"));
            Assert.True(hello.ExitCode == 0 && hello.Stdout.Contains("hello from wasm", StringComparison.Ordinal), hello.Describe());
            Assert.True(await HostProcesses.WaitGoneAsync(daemon, TimeSpan.FromSeconds(10)), $"shared daemon {daemon} stayed after its last container");
        }
        finally
        {
            await containerd.ForgetAsync(first);
            await containerd.ForgetAsync(second);
        }
    }

    [Fact]
    public async Task After_a_containerd_restart_its_shared_containers_are_found_again_and_still_stop_and_delete()
    {
        await using var own = await PrivateContainerd.StartAsync(new PrivateContainerdOptions
        {
            Prefix = "wcsr",
            InstallShim = true,
            PrivatePrecompileCache = true,
        });
        var (a, b) = (own.NewId("restart-a"), own.NewId("restart-b"));
        foreach (var id in new[] { a, b })
        {
            var started = await own.RunAsync(own.Request(Flavor.Wasm, id, ["/sleep.wasm"]) with { Annotations = Shared, Detach = true });
            Assert.True(started.ExitCode == 0, started.Describe());
        }
        var cell = (await own.Ctr.TaskAsync(a))!.Pid;
        Assert.Equal(cell, (await own.Ctr.TaskAsync(b))!.Pid);
        var daemon = HostProcesses.ParentPid(cell)!.Value;

        await own.RestartDaemonAsync();

        // The new containerd reconnects to the one daemon for both, and the shared cell never noticed.
        Assert.Equal([(a, cell, "RUNNING"), (b, cell, "RUNNING")],
            (await own.Ctr.TasksAsync()).OrderBy(t => t.Id, StringComparer.Ordinal).Select(t => (t.Id, t.Pid, t.Status)));
        Assert.True(HostProcesses.IsAlive(daemon));

        // Kill one: it stops with its own code (143), is deleted, and the other runs on in the same process.
        Assert.Equal(0, (await own.Ctr.RunAsync("tasks", "kill", a)).ExitCode);
        Assert.Equal("STOPPED", (await own.Ctr.WaitForStatusAsync(a, "STOPPED", TimeSpan.FromSeconds(10)))?.Status);
        var deleted = await own.Ctr.RunAsync("tasks", "delete", a);
        Assert.True(deleted.ExitCode == 0 && deleted.Stderr.Contains("143", StringComparison.Ordinal), deleted.Describe());
        Assert.Equal("RUNNING", (await own.Ctr.TaskAsync(b))!.Status);
        Assert.True(HostProcesses.IsAlive(cell));

        Assert.Equal(0, (await own.Ctr.RunAsync("tasks", "kill", "--signal", "SIGKILL", b)).ExitCode);
        Assert.Equal("STOPPED", (await own.Ctr.WaitForStatusAsync(b, "STOPPED", TimeSpan.FromSeconds(10)))?.Status);
        Assert.Equal(0, (await own.Ctr.RunAsync("tasks", "delete", b)).ExitCode);
        Assert.True(await HostProcesses.WaitGoneAsync(cell, TimeSpan.FromSeconds(10)), $"shared cell {cell} outlived its containers");
        foreach (var id in new[] { a, b })
        {
            await own.ForgetAsync(id);
        }
        Assert.Empty(await LeakCheck.LeftoversAsync(own, [a, b]));
    }

    [Fact]
    public async Task With_a_linger_the_shared_daemon_and_cell_wait_warm_for_the_next_container_then_leave()
    {
        await using var warm = await PrivateContainerd.StartAsync(new PrivateContainerdOptions
        {
            Prefix = "wcsh",
            InstallShim = true,
            PrivatePrecompileCache = true,
            Environment = new Dictionary<string, string> { ["WASMCELL_SHARED_LINGER"] = "3" },
        });
        var first = warm.NewId("linger");
        var run = warm.StartRun(warm.Request(Flavor.Wasm, first, ["/sleep.wasm"]) with { Annotations = Shared });
        Assert.True(await run.WaitForStdoutAsync("sleeping", TimeSpan.FromSeconds(20)), run.DescribeSoFar());
        var cell = (await warm.Ctr.TaskAsync(first))!.Pid;
        var daemon = HostProcesses.ParentPid(cell)!.Value;
        await warm.Ctr.RunAsync("tasks", "kill", first);
        Assert.True((await run.Completion).ExitCode == 143, run.DescribeSoFar());

        // The container is gone, its shared cell is not: the next container is served by the same process.
        var second = warm.NewId("linger");
        var next = warm.StartRun(warm.Request(Flavor.Wasm, second, ["/sleep.wasm"]) with { Annotations = Shared });
        Assert.True(await next.WaitForStdoutAsync("sleeping", TimeSpan.FromSeconds(20)), next.DescribeSoFar());
        Assert.Equal(cell, (await warm.Ctr.TaskAsync(second))!.Pid);
        await warm.Ctr.RunAsync("tasks", "kill", second);
        Assert.True((await next.Completion).ExitCode == 143, next.DescribeSoFar());

        // Idle for the linger: the daemon leaves, and its shared cell with it.
        Assert.True(HostProcesses.IsAlive(daemon), $"the shared daemon {daemon} left at once, without lingering");
        Assert.True(await HostProcesses.WaitGoneAsync(daemon, TimeSpan.FromSeconds(15)), $"shared daemon {daemon} is still there long after the linger");
        Assert.True(await HostProcesses.WaitGoneAsync(cell, TimeSpan.FromSeconds(5)), $"shared cell {cell} outlived its daemon");
        Assert.Empty(await LeakCheck.LeftoversAsync(warm, [first, second]));
    }

    [Fact]
    public async Task The_shared_daemon_s_log_still_reaches_containerd_after_the_container_that_started_it_is_gone()
    {
        // containerd copies a container's `log` FIFO into its own log only while that container's connection lives;
        // a daemon that wrote only into the FIFO of the container whose `start` made it went silent once that one left.
        await using var own = await PrivateContainerd.StartAsync(new PrivateContainerdOptions { Prefix = "wcsl", InstallShim = true, PrivatePrecompileCache = true });
        var first = own.NewId("log-first");
        var kept = own.NewId("log-kept");
        var firstRun = own.StartRun(own.Request(Flavor.Wasm, first, ["/sleep.wasm"]) with { Annotations = Shared });
        Assert.True(await firstRun.WaitForStdoutAsync("sleeping", TimeSpan.FromSeconds(20)), firstRun.DescribeSoFar());
        var keptRun = own.StartRun(own.Request(Flavor.Wasm, kept, ["/sleep.wasm"]) with { Annotations = Shared });
        Assert.True(await keptRun.WaitForStdoutAsync("sleeping", TimeSpan.FromSeconds(20)), keptRun.DescribeSoFar());
        await own.Ctr.RunAsync("tasks", "kill", first);
        Assert.True((await firstRun.Completion).ExitCode == 143, firstRun.DescribeSoFar());

        var offset = own.LogLength;
        var later = own.NewId("log-later");
        var run = await own.RunAsync(own.Request(Flavor.Wasm, later, ["/hello.wasm"]) with { Annotations = Shared });
        Assert.True(run.ExitCode == 0, run.Describe());

        var log = own.LogSince(offset);
        Assert.Matches($@"{later}: shared cell \d+: ready in [^\n]*; create took", log);
        Assert.Contains($"deleted {later} exit 0", log, StringComparison.Ordinal);
        await own.Ctr.RunAsync("tasks", "kill", kept);
        Assert.True((await keptRun.Completion).ExitCode == 143, keptRun.DescribeSoFar());
        Assert.Empty(await LeakCheck.LeftoversAsync(own, [first, kept, later]));
    }

    [Fact]
    public async Task A_container_the_shared_cell_cannot_honour_is_refused_at_create_naming_why()
    {
        var id = containerd.NewId("shared-user");
        var spec = SpecFile.Minimal(containerd.FreshRootfs(Flavor.Wasm, id), ["/hello.wasm"]);
        SpecFile.Process(spec)["user"] = new Dictionary<string, object> { ["uid"] = 1000, ["gid"] = 1000 };
        spec["annotations"] = Shared;
        var run = await SpecFile.RunAsync(containerd, id, SpecFile.Write(containerd, id, spec));

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("asks for uid 1000, gid 1000: run it in independent mode", run.Stderr, StringComparison.Ordinal);
        await containerd.ForgetAsync(id);

        // A listener needs a network namespace to be made in: the pod's, or the host's; ctr's default is a new one.
        var listener = containerd.NewId("shared-listen");
        var listening = await containerd.RunAsync(Request(listener, "/hello.wasm") with { Env = ["WASMCELL_LISTEN=:8080"] });
        Assert.NotEqual(0, listening.ExitCode);
        Assert.Contains("asks for a new one of its own", listening.Stderr, StringComparison.Ordinal);
        await containerd.ForgetAsync(listener);
        Assert.Empty(await LeakCheck.LeftoversAsync(containerd, [id, listener]));
    }

    private RunRequest Request(string id, params string[] args) =>
        containerd.Request(Flavor.Wasm, id, args) with { Annotations = Shared };
}
