using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests;

/// <summary>
/// Containers whose entrypoint is an ELF binary or a `#!` script run natively (through runc, same bundle)
/// even when started with `--runtime io.containerd.wasm.v1`: that is how a pod's pause container runs.
/// Flavor.Wasm = the wasm runtime on a busybox rootfs; Flavor.Runc = the same through runc directly.
/// </summary>
[Collection(PrivateContainerdCollection.Name)]
public sealed class ShimNativeTests(PrivateContainerd containerd)
{
    private RunRequest Busybox(Flavor flavor, string id, params string[] args) =>
        new(id, Runtimes.Of(flavor), containerd.BusyboxRootfs, args);

    [Theory]
    [InlineData(Flavor.Wasm)]
    [InlineData(Flavor.Runc)]
    public async Task Elf_entrypoint_runs_natively(Flavor flavor)
    {
        var id = containerd.NewId("native-echo");
        // The ELF here is busybox as /bin/sh; `echo hi` inside it. The linger keeps runc's own exit/output
        // race out of the result (Programs.NativeLinger): both flavours end up in runc.
        var r = await containerd.RunAsync(Busybox(flavor, id, "/bin/sh", "-c", $"echo hi; {Programs.NativeLinger}"));

        Assert.True(r.ExitCode == 0, r.Describe());
        Assert.Equal("hi\n", r.Stdout);
        var left = await LeakCheck.LeftoversAsync(containerd, [id]);
        Assert.True(left.Count == 0, LeakCheck.Describe(left));
    }

    [Theory]
    [InlineData(Flavor.Wasm)]
    [InlineData(Flavor.Runc)]
    public async Task Shebang_script_runs_natively_with_args_env_and_cwd(Flavor flavor)
    {
        var id = containerd.NewId("native-script");
        var r = await containerd.RunAsync(Busybox(flavor, id, "/args-env-cwd.sh", "one", "two") with
        {
            Env = ["NATIVE=yes"],
            Cwd = "/sub",
        });

        Assert.True(r.ExitCode == 0, r.Describe());
        var lines = r.Stdout.Split('\n');
        Assert.Contains("arg[1]=one", lines);
        Assert.Contains("arg[2]=two", lines);
        Assert.Contains("env:NATIVE=yes", lines);
        Assert.Contains("cwd=/sub", lines);
    }

    [Theory]
    [InlineData(Flavor.Wasm)]
    [InlineData(Flavor.Runc)]
    public async Task Native_exit_code_and_stderr_are_reported(Flavor flavor)
    {
        var id = containerd.NewId("native-exit");
        var r = await containerd.RunAsync(Busybox(flavor, id, "/bin/sh", "-c", $"echo to-stderr >&2; {Programs.NativeLinger}; exit 7"));

        Assert.True(r.ExitCode == 7, r.Describe());
        Assert.Contains("to-stderr", r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Flavor.Wasm)]
    [InlineData(Flavor.Runc)]
    public async Task Native_detached_task_is_listed_and_killed(Flavor flavor)
    {
        var id = containerd.NewId("native-kill");
        try
        {
            var run = await containerd.RunAsync(Busybox(flavor, id, "/bin/sleep", "600") with { Detach = true });
            Assert.True(run.ExitCode == 0, run.Describe());
            var task = await containerd.Ctr.WaitForStatusAsync(id, "RUNNING", TimeSpan.FromSeconds(10));
            Assert.Equal("RUNNING", task?.Status);
            Assert.Contains("sleep", HostProcesses.Cmdline(task!.Pid) ?? "", StringComparison.Ordinal);

            var kill = await containerd.Ctr.RunAsync("tasks", "kill", "--signal", "SIGKILL", id);
            Assert.True(kill.ExitCode == 0, kill.Describe());
            Assert.Equal("STOPPED", (await containerd.Ctr.WaitForStatusAsync(id, "STOPPED", TimeSpan.FromSeconds(10)))?.Status);
            var delete = await containerd.Ctr.RunAsync("tasks", "delete", id);
            Assert.Contains("exit code 137", delete.Stdout + delete.Stderr, StringComparison.Ordinal);
            await containerd.Ctr.RunAsync("containers", "rm", id);

            var left = await LeakCheck.LeftoversAsync(containerd, [id]);
            Assert.True(left.Count == 0, LeakCheck.Describe(left));
        }
        finally
        {
            await containerd.ForgetAsync(id);
        }
    }
}
