using Wasmcell.Oci.RuntimeSpec;
using Wasmcell.Shim.Containers;
using SpecLinux = Wasmcell.Oci.RuntimeSpec.Linux;

namespace Wasmcell.Shim.Tests;

public sealed class LsmLabelsTests
{
    private static readonly LsmHost Enforcing = new(AppArmorEnabled: true, SelinuxEnabled: true);
    private static readonly LsmHost Neither = new(AppArmorEnabled: false, SelinuxEnabled: false);

    private static Spec SpecWith(string? apparmor = null, string? selinux = null, string? mountLabel = null) => new()
    {
        Process = new Process { Args = ["/app.wasm"], ApparmorProfile = apparmor, SelinuxLabel = selinux },
        Linux = new SpecLinux { MountLabel = mountLabel },
    };

    [Fact]
    public void An_AppArmor_profile_the_host_enforces_goes_to_the_cells_sandbox()
    {
        var decision = LsmLabels.Check(SpecWith(apparmor: "cri-containerd.apparmor.d"), Enforcing with { SelinuxEnabled = false });

        Assert.Equal("cri-containerd.apparmor.d", decision.AppArmorProfile);
        Assert.Empty(decision.Ignored);
    }

    [Fact]
    public void An_AppArmor_profile_on_a_host_without_AppArmor_is_ignored_with_a_log_line()
    {
        var decision = LsmLabels.Check(SpecWith(apparmor: "cri-containerd.apparmor.d"), Neither with { SelinuxEnabled = true });

        Assert.Null(decision.AppArmorProfile);
        var line = Assert.Single(decision.Ignored);
        Assert.Contains("\"cri-containerd.apparmor.d\" ignored: AppArmor is not enabled", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Unconfined_and_no_labels_pass_where_every_module_is_enforced()
    {
        Assert.Null(LsmLabels.Check(SpecWith(apparmor: "unconfined"), Enforcing).AppArmorProfile);
        Assert.Empty(LsmLabels.Check(SpecWith(apparmor: "unconfined"), Enforcing).Ignored);
        Assert.Null(LsmLabels.Check(SpecWith(apparmor: "", selinux: "", mountLabel: ""), Enforcing).AppArmorProfile);
        Assert.Empty(LsmLabels.Check(new Spec(), Enforcing).Ignored);
    }

    [Theory]
    [InlineData("system_u:system_r:container_t:s0:c1,c2", null, "process.selinuxLabel")]
    [InlineData(null, "system_u:object_r:container_file_t:s0:c1,c2", "linux.mountLabel")]
    public void An_SELinux_label_the_host_enforces_is_refused_naming_the_field(string? process, string? mount, string field)
    {
        var e = Assert.Throws<NotSupportedException>(() => LsmLabels.Check(SpecWith(selinux: process, mountLabel: mount), Enforcing with { AppArmorEnabled = false }));

        Assert.Contains($"SELinux label \"{process ?? mount}\" ({field})", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SELinux_labels_on_a_host_without_SELinux_are_ignored_with_a_log_line_each()
    {
        var ignored = LsmLabels.Check(SpecWith(selinux: "a:b:c:s0", mountLabel: "d:e:f:s0"), Neither with { AppArmorEnabled = true }).Ignored;

        Assert.Equal(
            ["process.selinuxLabel \"a:b:c:s0\" ignored: SELinux is not enabled on this host", "linux.mountLabel \"d:e:f:s0\" ignored: SELinux is not enabled on this host"],
            ignored);
    }
}
