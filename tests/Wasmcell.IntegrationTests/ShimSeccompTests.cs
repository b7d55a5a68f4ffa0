using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests;

/// <summary>
/// The cell's seccomp filters (issue 11): a built-in filter on every thread of every cell, and the spec's
/// profile when config.json has one, enforced by the kernel on the guest's host calls. The spec is given
/// whole with `ctr run --config`.
/// </summary>
[Collection(PrivateContainerdCollection.Name)]
public sealed class ShimSeccompTests(PrivateContainerd containerd)
{
    private string WriteSpec(string id, string rootfs, string[] args, object? seccomp)
    {
        var spec = SpecFile.Minimal(rootfs, args);
        if (seccomp is not null)
        {
            SpecFile.Linux(spec)["seccomp"] = seccomp;
        }
        return SpecFile.Write(containerd, id, spec);
    }

    private Task<CommandResult> RunAsync(string id, string specPath, bool detach = false) =>
        SpecFile.RunAsync(containerd, id, specPath, detach);

    [Fact]
    public async Task Every_thread_of_a_running_cell_is_filtered_with_no_new_privs_and_no_capabilities()
    {
        var id = containerd.NewId("seccomp-threads");
        var rootfs = containerd.FreshRootfs(Flavor.Wasm, id);
        var started = await RunAsync(id, WriteSpec(id, rootfs, ["/sleep.wasm"], seccomp: null), detach: true);
        Assert.True(started.ExitCode == 0, started.Describe());
        try
        {
            var task = await containerd.Ctr.WaitForStatusAsync(id, "RUNNING", TimeSpan.FromSeconds(10));
            Assert.NotNull(task);
            // Running means started: the filters went on before the cell reported ready.
            var threads = Directory.GetDirectories($"/proc/{task.Pid}/task");
            Assert.True(threads.Length > 1, $"expected the runtime's threads beside the guest's, found {threads.Length}");
            foreach (var thread in threads)
            {
                var status = await File.ReadAllTextAsync(Path.Combine(thread, "status"));
                var name = status.Split('\n')[0];
                Assert.True(System.Text.RegularExpressions.Regex.IsMatch(status, @"Seccomp:\s+2\n"), $"thread {thread} ({name}) is not filtered:\n{status}");
                Assert.True(System.Text.RegularExpressions.Regex.IsMatch(status, @"NoNewPrivs:\s+1\n"), $"thread {thread} ({name}) may gain privileges:\n{status}");
                // uid 0 (ctr's default): the runtime's finalizer thread, started before Main, dropped its own too.
                Assert.True(System.Text.RegularExpressions.Regex.IsMatch(status, @"CapEff:\s+0000000000000000\n"), $"thread {thread} ({name}) has capabilities:\n{status}");
                Assert.True(System.Text.RegularExpressions.Regex.IsMatch(status, @"CapBnd:\s+0000000000000000\n"), $"thread {thread} ({name}) keeps a bounding set:\n{status}");
            }
        }
        finally
        {
            await containerd.ForgetAsync(id);
        }
    }

    [Fact]
    public async Task The_specs_profile_is_enforced_on_the_guests_host_calls()
    {
        // Allow everything but making directories, refused with EACCES by the kernel on the WASI host's mkdirat.
        var profile = new Dictionary<string, object>
        {
            ["defaultAction"] = "SCMP_ACT_ALLOW",
            ["architectures"] = new[] { "SCMP_ARCH_X86_64" },
            ["syscalls"] = new[]
            {
                new Dictionary<string, object> { ["names"] = new[] { "mkdir", "mkdirat" }, ["action"] = "SCMP_ACT_ERRNO", ["errnoRet"] = 13 },
            },
        };
        var id = containerd.NewId("seccomp-profile");
        var rootfs = containerd.FreshRootfs(Flavor.Wasm, id);
        var denied = await RunAsync(id, WriteSpec(id, rootfs, ["/mkdir.wasm", "/made-by-wasm"], profile));
        Assert.True(denied.ExitCode == 0, denied.Describe());
        Assert.Contains("mkdir: errno=2 Permission denied", denied.Stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(rootfs, "made-by-wasm")));

        // The same guest without the profile makes it: the profile, not something else, refused it.
        var id2 = containerd.NewId("seccomp-profile");
        var allowed = await RunAsync(id2, WriteSpec(id2, rootfs, ["/mkdir.wasm", "/made-by-wasm"], seccomp: null));
        Assert.Contains("mkdir: ok", allowed.Stdout, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(rootfs, "made-by-wasm")));
    }

    [Fact]
    public async Task A_profile_the_cell_cannot_honour_fails_at_create_naming_why()
    {
        var id = containerd.NewId("seccomp-notify");
        var rootfs = containerd.FreshRootfs(Flavor.Wasm, id);
        var profile = new Dictionary<string, object> { ["defaultAction"] = "SCMP_ACT_ALLOW", ["listenerPath"] = "/run/seccomp-agent.sock" };
        var result = await RunAsync(id, WriteSpec(id, rootfs, ["/hello.wasm"], profile));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("SCMP_ACT_NOTIFY", result.Stderr, StringComparison.Ordinal);
        await containerd.Ctr.RunAsync("containers", "rm", id);
        Assert.Empty(await LeakCheck.LeftoversAsync(containerd, [id]));
    }
}
