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
    public void An_AppArmor_profile_on_a_host_without_AppArmor_is_refused_naming_it()
    {
        var e = Assert.Throws<NotSupportedException>(() => LsmLabels.Check(SpecWith(apparmor: "cri-containerd.apparmor.d"), Neither with { SelinuxEnabled = true }));

        Assert.Contains("process.apparmorProfile \"cri-containerd.apparmor.d\" asks for AppArmor, which is not enabled", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unconfined_needs_no_AppArmor()
    {
        var decision = LsmLabels.Check(SpecWith(apparmor: "unconfined"), Neither);

        Assert.Null(decision.AppArmorProfile);
        Assert.Empty(decision.Ignored);
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
    public void A_process_label_on_a_host_without_SELinux_is_refused_and_a_mount_label_only_logged()
    {
        var e = Assert.Throws<NotSupportedException>(() => LsmLabels.Check(SpecWith(selinux: "a:b:c:s0"), Neither with { AppArmorEnabled = true }));
        Assert.Contains("process.selinuxLabel \"a:b:c:s0\" asks for SELinux, which is not enabled", e.Message, StringComparison.Ordinal);

        var ignored = LsmLabels.Check(SpecWith(mountLabel: "d:e:f:s0"), Neither with { AppArmorEnabled = true }).Ignored;
        Assert.Equal(["linux.mountLabel \"d:e:f:s0\" ignored: SELinux is not enabled on this host"], ignored);
    }
}
