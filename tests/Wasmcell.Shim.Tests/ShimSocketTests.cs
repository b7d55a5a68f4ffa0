using Wasmcell.Shim;

namespace Wasmcell.Shim.Tests;

public sealed class ShimSocketTests
{
    [Fact]
    public void Address_matches_the_socket_containerd_observed()
    {
        // `printf %s /srv/ctrd-test/c.sock/default/t1 | sha256sum`. (SPEC §2.3 quotes fdf5fe94… for this input,
        // which sha256 of that string is not; the scheme itself is what containerd's Go shims use.)
        Assert.Equal("unix:///run/containerd/s/eb8c5ea2caa9a718ea53e15cb91736054f1c136dc95341819818011f07e34033",
            ShimSocket.Address("/srv/ctrd-test/c.sock", "default", "t1"));
    }

    [Fact]
    public void Group_comes_from_sandbox_id_then_runc_group_then_id()
    {
        Assert.Equal("c1", ShimSocket.GroupOf("c1", null));
        Assert.Equal("sb", ShimSocket.GroupOf("c1", new Dictionary<string, string> { ["io.kubernetes.cri.sandbox-id"] = "sb" }));
        Assert.Equal("g", ShimSocket.GroupOf("c1", new Dictionary<string, string>
        {
            ["io.kubernetes.cri.sandbox-id"] = "sb",
            ["io.containerd.runc.v2.group"] = "g",
        }));
    }

    [Theory]
    [InlineData("/a//b/./c/", "/a/b/c")]
    [InlineData("/a/b/../c", "/a/c")]
    [InlineData("/../a", "/a")]
    [InlineData("a/../../b", "../b")]
    [InlineData("", ".")]
    public void Clean_path_follows_go_filepath_clean(string input, string expected) => Assert.Equal(expected, ShimSocket.CleanPath(input));

    [Fact]
    public void Path_of_strips_unix_scheme() => Assert.Equal("/run/x", ShimSocket.PathOf("unix:///run/x"));
}
