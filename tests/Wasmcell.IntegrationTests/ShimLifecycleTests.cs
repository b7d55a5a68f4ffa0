using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests;

/// <summary>
/// `ctr run -d`, `ctr task ls` (status, pid), `ctr task kill` (SIGTERM graceful → 143, SIGKILL → 137, also
/// for a guest spinning in a loop or blocked in a host call), `ctr task delete`, `ctr container rm`, and
/// Wait's exit status. CREATED is not reachable through ctr 1.6 (`run` creates and starts in one go), so that
/// test drives containerd's Tasks API directly.
/// </summary>
[Collection(PrivateContainerdCollection.Name)]
public sealed class ShimLifecycleTests(PrivateContainerd containerd)
{
    public enum Guest
    {
        /// <summary>Blocked in a host call (poll_oneoff / sleep).</summary>
        Sleeping,

        /// <summary>Running wasm code in a loop, never calling the host.</summary>
        Spinning,
    }

    [Theory]
    [InlineData(Flavor.Wasm)]
    [InlineData(Flavor.Runc)]
    public async Task Created_task_has_a_pid_and_runs_nothing_before_start(Flavor flavor)
    {
        // ctr 1.6 always starts what it creates, so Create and Start go through containerd's Tasks API.
        var id = containerd.NewId("life-created");
        var rootfs = containerd.FreshRootfs(flavor, id);
        var marker = Path.Combine(rootfs, "started.txt");
        try
        {
            var spec = await containerd.SpecFileAsync(id, rootfs, new Programs(flavor).WriteRoot("/started.txt"));
            if (flavor == Flavor.Wasm)
            {
                containerd.RequireShim();
            }

            var create = await containerd.Ctr.RunAsync("containers", "create", "--runtime", Runtimes.Of(flavor), "--config", spec, id);
            Assert.True(create.ExitCode == 0, create.Describe());

            using var tasks = new TasksClient(containerd.Address, containerd.Ctr.Namespace);
            var pid = await tasks.CreateAsync(id, flavor == Flavor.Runc ? containerd.RuncRoot : null);
            Assert.True(pid > 0, "Create returned no pid");
            var created = await containerd.Ctr.TaskAsync(id);
            Assert.Equal(new TaskRow(id, (int)pid, "CREATED"), created);
            Assert.True(HostProcesses.IsAlive((int)pid), $"the created task's pid {pid} is not a live process");
            Assert.False(File.Exists(marker), "the guest ran before Start");

            Assert.Equal(pid, await tasks.StartAsync(id));
            Assert.Equal("STOPPED", (await containerd.Ctr.WaitForStatusAsync(id, "STOPPED", TimeSpan.FromSeconds(20)))?.Status);
            Assert.True(File.Exists(marker), "the guest did not run after Start");

            var delete = await containerd.Ctr.RunAsync("tasks", "delete", id);
            Assert.True(delete.ExitCode == 0, delete.Describe());
            Assert.DoesNotContain("exit code", delete.Stdout + delete.Stderr, StringComparison.Ordinal); // exited 0
            Assert.True((await containerd.Ctr.RunAsync("containers", "rm", id)).ExitCode == 0);
            var left = await LeakCheck.LeftoversAsync(containerd, [id]);
            Assert.True(left.Count == 0, LeakCheck.Describe(left));
        }
        finally
        {
            await containerd.ForgetAsync(id);
        }
    }

    [Theory]
    [InlineData(Flavor.Wasm)]
    [InlineData(Flavor.Runc)]
    public async Task Detached_task_is_listed_running_then_stopped_then_deleted(Flavor flavor)
    {
        var id = containerd.NewId("life-detached");
        try
        {
            var run = await containerd.RunAsync(containerd.Request(flavor, id, new Programs(flavor).Sleep) with { Detach = true });
            Assert.True(run.ExitCode == 0, run.Describe());

            var running = await containerd.Ctr.WaitForStatusAsync(id, "RUNNING", TimeSpan.FromSeconds(10));
            Assert.NotNull(running);
            Assert.Equal("RUNNING", running.Status);
            Assert.True(running.Pid > 0, $"task pid {running.Pid}");
            Assert.True(HostProcesses.IsAlive(running.Pid), $"`ctr task ls` says pid {running.Pid}, which is not a live process");

            var kill = await containerd.Ctr.RunAsync("tasks", "kill", "--signal", "SIGKILL", id);
            Assert.True(kill.ExitCode == 0, kill.Describe());
            var stopped = await containerd.Ctr.WaitForStatusAsync(id, "STOPPED", TimeSpan.FromSeconds(10));
            Assert.Equal("STOPPED", stopped?.Status);
            Assert.True(await HostProcesses.WaitGoneAsync(running.Pid, TimeSpan.FromSeconds(5)), $"pid {running.Pid} outlived its task");

            // ctr prints the exit status of a non-zero exit when deleting the task.
            var delete = await containerd.Ctr.RunAsync("tasks", "delete", id);
            Assert.True(delete.ExitCode == 0, delete.Describe());
            Assert.Contains("exit code 137", delete.Stdout + delete.Stderr, StringComparison.Ordinal);
            Assert.Null(await containerd.Ctr.TaskAsync(id));

            var rm = await containerd.Ctr.RunAsync("containers", "rm", id);
            Assert.True(rm.ExitCode == 0, rm.Describe());
            var left = await LeakCheck.LeftoversAsync(containerd, [id]);
            Assert.True(left.Count == 0, LeakCheck.Describe(left));
        }
        finally
        {
            await containerd.ForgetAsync(id);
        }
    }

    [Theory]
    [InlineData(Flavor.Wasm, Guest.Sleeping, "SIGTERM", 143)]
    [InlineData(Flavor.Wasm, Guest.Spinning, "SIGTERM", 143)]
    [InlineData(Flavor.Wasm, Guest.Sleeping, "SIGKILL", 137)]
    [InlineData(Flavor.Wasm, Guest.Spinning, "SIGKILL", 137)]
    [InlineData(Flavor.Runc, Guest.Sleeping, "SIGTERM", 143)]
    [InlineData(Flavor.Runc, Guest.Spinning, "SIGTERM", 143)]
    [InlineData(Flavor.Runc, Guest.Sleeping, "SIGKILL", 137)]
    [InlineData(Flavor.Runc, Guest.Spinning, "SIGKILL", 137)]
    public async Task Kill_ends_the_guest_and_wait_reports_the_signal_exit_code(Flavor flavor, Guest guest, string signal, int expected)
    {
        var id = containerd.NewId("life-kill");
        var programs = new Programs(flavor);
        var args = guest == Guest.Sleeping ? programs.Sleep : programs.Spin;
        var banner = guest == Guest.Sleeping ? "sleeping" : "spinning";
        try
        {
            // Foreground `ctr run --rm`: its exit code is what Wait returned for the task.
            var run = containerd.StartRun(containerd.Request(flavor, id, args), timeout: TimeSpan.FromSeconds(60));
            Assert.True(await run.WaitForStdoutAsync(banner, TimeSpan.FromSeconds(20)),
                $"the guest never printed '{banner}': " + run.DescribeSoFar());
            var pid = (await containerd.Ctr.TaskAsync(id))?.Pid ?? 0;

            var kill = await containerd.Ctr.RunAsync("tasks", "kill", "--signal", signal, id);
            Assert.True(kill.ExitCode == 0, kill.Describe());
            var r = await run.Completion;

            Assert.False(r.TimedOut, $"{signal} did not end the {guest} guest: " + r.Describe());
            Assert.True(r.ExitCode == expected, $"expected {expected} after {signal}: " + r.Describe());
            Assert.True(pid > 0 && await HostProcesses.WaitGoneAsync(pid, TimeSpan.FromSeconds(5)), $"task pid {pid} is still alive");
            var left = await LeakCheck.LeftoversAsync(containerd, [id]);
            Assert.True(left.Count == 0, LeakCheck.Describe(left));
        }
        finally
        {
            await containerd.ForgetAsync(id);
        }
    }

    [Theory]
    [InlineData(Flavor.Wasm)]
    [InlineData(Flavor.Runc)]
    public async Task Killing_a_finished_task_reports_it_already_finished(Flavor flavor)
    {
        var id = containerd.NewId("life-finished");
        try
        {
            var run = await containerd.RunAsync(containerd.Request(flavor, id, new Programs(flavor).ExitCode(5)) with { Detach = true });
            Assert.True(run.ExitCode == 0, run.Describe());
            Assert.Equal("STOPPED", (await containerd.Ctr.WaitForStatusAsync(id, "STOPPED", TimeSpan.FromSeconds(10)))?.Status);

            var kill = await containerd.Ctr.RunAsync("tasks", "kill", "--signal", "SIGTERM", id);
            Assert.True(kill.ExitCode != 0, "killing a stopped task succeeded: " + kill.Describe());
            Assert.Contains("not found", kill.Stderr, StringComparison.OrdinalIgnoreCase);

            var delete = await containerd.Ctr.RunAsync("tasks", "delete", id);
            Assert.Contains("exit code 5", delete.Stdout + delete.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            await containerd.ForgetAsync(id);
        }
    }

    [Theory]
    [InlineData(Flavor.Wasm)]
    [InlineData(Flavor.Runc)]
    public async Task The_same_id_runs_again_right_after_its_run_with_rm(Flavor flavor)
    {
        // Same id, same group, same socket: the daemon of the first run is on its way out when the next
        // `start` looks for it, and must not be handed the next container (it was, ~1 in 4 here).
        var id = containerd.NewId("life-again");
        var programs = new Programs(flavor);
        try
        {
            for (var i = 0; i < 12; i++)
            {
                var code = i % 2 == 0 ? 0 : 3;
                var run = await containerd.RunAsync(containerd.Request(flavor, id, programs.ExitCode(code)));
                Assert.True(run.ExitCode == code, $"run {i} of {id}: " + run.Describe());
            }
        }
        finally
        {
            await containerd.ForgetAsync(id);
        }
        var left = await LeakCheck.LeftoversAsync(containerd, [id]);
        Assert.True(left.Count == 0, LeakCheck.Describe(left));
        Assert.Empty(containerd.ShimProcesses());
    }
}
