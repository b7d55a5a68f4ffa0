using Wasmcell.Cgroups;
using CgroupsApi = Wasmcell.Cgroups.Cgroups;

namespace Wasmcell.Cgroups.Tests;

public sealed class CgroupPathTests
{
    [Theory]
    [InlineData("/k8s.io/abc", new[] { "k8s.io", "abc" })]
    [InlineData("/wct/abc/", new[] { "wct", "abc" })]
    [InlineData("wct//abc", new[] { "wct", "abc" })]
    public void Cgroupfs_paths_split_into_components(string path, string[] components)
    {
        var parsed = CgroupPath.Parse(path);
        Assert.Equal(components, parsed.Components);
        Assert.Equal(path, parsed.Original);
    }

    [Fact]
    public void Systemd_driver_form_is_refused_with_a_clear_message()
    {
        var e = Assert.Throws<NotSupportedException>(() => CgroupsApi.Create("kubepods-besteffort.slice:cri-containerd:abc"));
        Assert.Contains("systemd", e.Message);
        Assert.Contains("SystemdCgroup = false", e.Message);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("")]
    [InlineData("/a/../../etc")]
    [InlineData("/a/./b")]
    public void Root_and_dot_segments_are_refused(string path)
    {
        Assert.Throws<ArgumentException>(() => CgroupPath.Parse(path));
    }
}
