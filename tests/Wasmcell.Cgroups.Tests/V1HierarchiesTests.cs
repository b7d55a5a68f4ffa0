using Wasmcell.Cgroups;

namespace Wasmcell.Cgroups.Tests;

public sealed class V1HierarchiesTests
{
    // This host's layout (hybrid: ten v1 hierarchies plus an empty cgroup2 at …/unified), with a co-mounted
    // cpu,cpuacct variant, a bind-mounted duplicate and an unrelated cgroup mount outside the root.
    private const string Mountinfo = """
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
        34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset,clone_children
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory
        40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,release_agent=/x,name=systemd
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        42 23 0:32 / /mnt/memory\040copy rw,relatime - cgroup cgroup rw,memory
        43 31 0:32 / /sys/fs/cgroup/memory2 rw,relatime - cgroup cgroup rw,memory
        """;

    [Fact]
    public void Cgroup_v1_mounts_under_the_root_become_hierarchies_with_their_controllers()
    {
        var h = V1Hierarchies.Parse(Mountinfo, "/sys/fs/cgroup");

        Assert.Equal(
            new[] { "/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpuset", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/systemd" },
            h.All.Select(x => x.MountPoint));
        Assert.Equal("/sys/fs/cgroup/cpu,cpuacct", h.MountOf("cpuacct"));
        Assert.Equal(new[] { "cpuset" }, h.All[1].Controllers);
        Assert.Equal(new[] { "name=systemd" }, h.All[3].Controllers);
        Assert.Null(h.MountOf("pids"));
    }

    [Fact]
    public void This_host_is_a_v1_hybrid_with_its_controllers_discovered()
    {
        Assert.Equal(CgroupMode.V1, Wasmcell.Cgroups.Cgroups.DetectMode());
        var h = V1Hierarchies.Discover("/sys/fs/cgroup");
        foreach (var controller in new[] { "cpu", "cpuacct", "cpuset", "memory", "freezer", "pids" })
        {
            Assert.NotNull(h.MountOf(controller));
        }
        Assert.DoesNotContain(h.All, x => x.MountPoint.EndsWith("/unified", StringComparison.Ordinal));
    }
}
