using Wasmcell.Shim;

namespace Wasmcell.Shim.Tests;

public sealed class ShimFlagsTests
{
    [Fact]
    public void Parses_containerd_start_argv_as_observed()
    {
        var f = ShimFlags.Parse(["-namespace", "default", "-address", "/srv/ctrd-test/c.sock", "-publish-binary", "/usr/bin/containerd", "-id", "t1", "-debug", "start"]);
        Assert.Equal("default", f.Namespace);
        Assert.Equal("/srv/ctrd-test/c.sock", f.Address);
        Assert.Equal("/usr/bin/containerd", f.PublishBinary);
        Assert.Equal("t1", f.Id);
        Assert.True(f.Debug);
        Assert.Equal("start", f.Action);
    }

    [Fact]
    public void Accepts_equals_form_double_dash_and_unknown_booleans()
    {
        var f = ShimFlags.Parse(["--namespace=k8s.io", "-id=c1", "-bundle", "/b", "-some-new-bool", "delete"]);
        Assert.Equal("k8s.io", f.Namespace);
        Assert.Equal("c1", f.Id);
        Assert.Equal("/b", f.Bundle);
        Assert.Equal("delete", f.Action);
    }

    [Fact]
    public void Stops_at_the_action_and_at_double_dash()
    {
        Assert.Equal("start", ShimFlags.Parse(["-id", "x", "start", "-namespace", "late"]).Action);
        Assert.Equal("", ShimFlags.Parse(["-id", "x", "start", "-namespace", "late"]).Namespace);
        Assert.Equal("-weird", ShimFlags.Parse(["--", "-weird"]).Action);
    }

    [Fact]
    public void No_action_means_daemon() => Assert.Equal("", ShimFlags.Parse(["-namespace", "n", "-id", "i"]).Action);

    [Fact]
    public void Missing_value_is_an_error() => Assert.Throws<ArgumentException>(() => ShimFlags.Parse(["-namespace"]));

    [Fact]
    public void Debug_false_form() => Assert.False(ShimFlags.Parse(["-debug=false", "start"]).Debug);
}
