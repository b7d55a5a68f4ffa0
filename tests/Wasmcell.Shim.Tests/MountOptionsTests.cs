using Wasmcell.Shim.Containers;

namespace Wasmcell.Shim.Tests;

public sealed class MountOptionsTests
{
    [Fact]
    public void Overlay_options_become_data()
    {
        var (flags, data) = RootfsMounts.ParseOptions(["index=off", "workdir=/w", "upperdir=/u", "lowerdir=/l1:/l2"]);
        Assert.Equal(0UL, flags);
        Assert.Equal("index=off,workdir=/w,upperdir=/u,lowerdir=/l1:/l2", data);
    }

    [Fact]
    public void Flag_options_set_and_clear()
    {
        var (flags, data) = RootfsMounts.ParseOptions(["rbind", "ro", "nosuid", "rw"]);
        Assert.Equal(4096UL | 16384UL | 2UL, flags); // BIND|REC|NOSUID, RDONLY cleared again by rw
        Assert.Equal("", data);
    }
}
