using Wasmcell.Cgroups;
using Wasmcell.Oci.RuntimeSpec;

namespace Wasmcell.Cgroups.Tests;

/// <summary>v1 layouts this host does not have, as plain directories named by a made-up mountinfo.</summary>
public sealed class CgroupV1FakeTreeTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "wasmcell-fake-cgroup1-" + Guid.NewGuid().ToString("N"));

    public CgroupV1FakeTreeTests() => Directory.CreateDirectory(Path.Combine(_root, "memory"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Without_a_devices_hierarchy_rules_that_deny_are_not_held_and_rules_that_allow_all_are_nothing_to_do()
    {
        var mountinfo = $"35 31 0:32 / {_root}/memory rw,relatime - cgroup cgroup rw,memory\n";
        var cg = CgroupV1.Create(V1Hierarchies.Parse(mountinfo, _root), CgroupPath.Parse("/wct/abc"));

        Assert.True(cg.ApplyDevices([new() { Allow = true, Access = "rwm" }]));
        Assert.False(cg.ApplyDevices(
            [new() { Allow = false, Access = "rwm" }, new() { Allow = true, Type = "c", Major = 1, Minor = 3, Access = "rwm" }]));
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "memory", "wct", "abc")));
    }
}
