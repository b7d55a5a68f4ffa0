using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests;

/// <summary>
/// The OS layer around a guest (design.md "OS isolation"): the cell runs as process.user with no
/// capabilities, no_new_privs and process.rlimits, so a file the user may not read stays unreadable even
/// though it lies inside the preopened rootfs. The spec is given whole with `ctr run --config` (ctr 1.6
/// has no --user).
/// </summary>
[Collection(PrivateContainerdCollection.Name)]
public sealed class ShimPrivilegeTests(PrivateContainerd containerd)
{
    private string WriteSpec(string id, string rootfs, uint uid, string[] args)
    {
        var spec = SpecFile.Minimal(rootfs, args, [$"SHOW_FILE={Rootfs.GreetingPath}"]);
        var process = SpecFile.Process(spec);
        process["user"] = new Dictionary<string, object> { ["uid"] = uid, ["gid"] = uid, ["additionalGids"] = new[] { uid + 1 } };
        process["noNewPrivileges"] = true;
        process["rlimits"] = new[] { new Dictionary<string, object> { ["type"] = "RLIMIT_NOFILE", ["hard"] = 512, ["soft"] = 256 } };
        return SpecFile.Write(containerd, id, spec);
    }

    private Task<CommandResult> RunAsync(string id, string specPath, bool detach = false) =>
        SpecFile.RunAsync(containerd, id, specPath, detach);

    [Fact]
    public async Task Guest_runs_as_process_user_and_cannot_read_what_that_user_cannot()
    {
        var id = containerd.NewId("priv-user");
        var rootfs = containerd.FreshRootfs(Flavor.Wasm, id);
        var secret = Path.Combine(rootfs, Rootfs.GreetingPath.TrimStart('/'));

        var readable = await RunAsync(id, WriteSpec(id, rootfs, 1000, ["/args-env-cwd.wasm"]));
        Assert.True(readable.ExitCode == 0, readable.Describe());
        Assert.Contains($"file={Rootfs.Greeting}", readable.Stdout, StringComparison.Ordinal);

        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite); // root-only now
        var id2 = containerd.NewId("priv-user");
        var denied = await RunAsync(id2, WriteSpec(id2, rootfs, 1000, ["/args-env-cwd.wasm"]));
        Assert.Equal(1, denied.ExitCode);
        Assert.Contains("file-error=/data/greeting.txt: Permission denied", denied.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cell_has_the_users_ids_no_capabilities_no_new_privs_and_the_rlimits()
    {
        var id = containerd.NewId("priv-status");
        var rootfs = containerd.FreshRootfs(Flavor.Wasm, id);
        var started = await RunAsync(id, WriteSpec(id, rootfs, 1000, ["/sleep.wasm"]), detach: true);
        Assert.True(started.ExitCode == 0, started.Describe());
        try
        {
            var task = await containerd.Ctr.WaitForStatusAsync(id, "RUNNING", TimeSpan.FromSeconds(10));
            Assert.NotNull(task);
            var status = await WaitForFieldAsync(task.Pid, "Uid:", "1000");
            Assert.Matches(@"Uid:\s+1000\s+1000\s+1000\s+1000", status);
            Assert.Matches(@"Gid:\s+1000\s+1000\s+1000\s+1000", status);
            Assert.Matches(@"Groups:\s+1001\s*\n", status);
            Assert.Matches(@"CapEff:\s+0000000000000000", status);
            Assert.Matches(@"CapPrm:\s+0000000000000000", status);
            Assert.Matches(@"CapBnd:\s+0000000000000000", status);
            Assert.Matches(@"NoNewPrivs:\s+1", status);
            var limits = await File.ReadAllTextAsync($"/proc/{task.Pid}/limits");
            Assert.Matches(@"Max open files\s+256\s+512", limits);
        }
        finally
        {
            await containerd.ForgetAsync(id);
        }
        Assert.Empty(await LeakCheck.LeftoversAsync(containerd, [id]));
    }

    /// <summary>The cell drops privileges just before it reports ready; read its status once it has.</summary>
    private static async Task<string> WaitForFieldAsync(int pid, string field, string value)
    {
        var status = "";
        for (var i = 0; i < 100; i++)
        {
            status = await File.ReadAllTextAsync($"/proc/{pid}/status");
            if (status.Split('\n').Any(l => l.StartsWith(field, StringComparison.Ordinal) && l.Contains(value, StringComparison.Ordinal)))
            {
                break;
            }
            await Task.Delay(50);
        }
        return status;
    }
}
