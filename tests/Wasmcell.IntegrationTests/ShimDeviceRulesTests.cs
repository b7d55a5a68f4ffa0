using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests;

/// <summary>
/// linux.resources.devices (issue 11): the cell's device cgroup holds the spec's rules, so code that escaped
/// the sandbox reaches no device a runc container with that spec could not. On cgroup v1 the kernel's own
/// devices.list shows them; this host is v1.
/// </summary>
[Collection(PrivateContainerdCollection.Name)]
public sealed class ShimDeviceRulesTests(PrivateContainerd containerd)
{
    private static string DevicesList(string cgroupsPath) =>
        File.ReadAllText(Path.Combine("/sys/fs/cgroup/devices", cgroupsPath.TrimStart('/'), "devices.list"));

    [Fact]
    public async Task A_spec_denying_every_device_but_dev_null_leaves_the_cell_exactly_that()
    {
        Assert.False(File.Exists("/sys/fs/cgroup/cgroup.controllers"), "written for a cgroup v1 host (devices.list)");
        var id = containerd.NewId("devices-null");
        var rootfs = containerd.FreshRootfs(Flavor.Wasm, id);
        var spec = SpecFile.Minimal(rootfs, ["/sleep.wasm"]);
        SpecFile.Linux(spec)["cgroupsPath"] = containerd.CgroupOf(id);
        SpecFile.Linux(spec)["resources"] = new Dictionary<string, object>
        {
            ["devices"] = new object[]
            {
                new Dictionary<string, object> { ["allow"] = false, ["access"] = "rwm" },
                new Dictionary<string, object> { ["allow"] = true, ["type"] = "c", ["major"] = 1, ["minor"] = 3, ["access"] = "rwm" },
            },
        };
        var started = await SpecFile.RunAsync(containerd, id, SpecFile.Write(containerd, id, spec), detach: true);
        Assert.True(started.ExitCode == 0, started.Describe());
        try
        {
            var task = await containerd.Ctr.WaitForStatusAsync(id, "RUNNING", TimeSpan.FromSeconds(10));
            Assert.NotNull(task);
            Assert.Equal("c 1:3 rwm\n", DevicesList(containerd.CgroupOf(id)));
            Assert.Equal(containerd.CgroupOf(id), CgroupOf(task.Pid, "devices"));
        }
        finally
        {
            await containerd.ForgetAsync(id);
        }
        Assert.Empty(await LeakCheck.LeftoversAsync(containerd, [id]));
    }

    [Fact]
    public async Task Ctrs_default_spec_still_runs_and_its_device_allow_list_is_applied()
    {
        var id = containerd.NewId("devices-default");
        var r = await containerd.RunAsync(containerd.Request(Flavor.Wasm, id, ["/sleep.wasm"]) with { Detach = true, Remove = false });
        Assert.True(r.ExitCode == 0, r.Describe());
        try
        {
            Assert.NotNull(await containerd.Ctr.WaitForStatusAsync(id, "RUNNING", TimeSpan.FromSeconds(10)));
            // ctr denies every device, then allows the usual few: the list is those few, never "a *:* rwm".
            var list = DevicesList(containerd.CgroupOf(id)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Contains("c 1:3 rwm", list);  // /dev/null
            Assert.Contains("c 1:9 rwm", list);  // /dev/urandom
            Assert.DoesNotContain("a *:* rwm", list);
        }
        finally
        {
            await containerd.ForgetAsync(id);
        }

        var id2 = containerd.NewId("devices-default");
        var hello = await containerd.RunAsync(containerd.Request(Flavor.Wasm, id2, ["/hello.wasm"]));
        Assert.True(hello.ExitCode == 0, hello.Describe());
        Assert.Contains("hello from wasm", hello.Stdout, StringComparison.Ordinal);
    }

    private static string? CgroupOf(int pid, string controller) =>
        File.ReadAllLines($"/proc/{pid}/cgroup")
            .Select(l => l.Split(':', 3))
            .Where(f => f.Length == 3 && f[1].Split(',').Contains(controller))
            .Select(f => f[2])
            .FirstOrDefault();
}
