using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests;

/// <summary>
/// process.apparmorProfile (issue 11): where AppArmor is enabled the cell's sandbox changes to the profile before
/// the runtime starts (a profile that is not loaded fails at create, naming it); where it is not (this repo's CI
/// hosts) the spec asks for a confinement the host cannot give, and create fails naming the profile.
/// </summary>
[Collection(PrivateContainerdCollection.Name)]
public sealed class ShimAppArmorTests(PrivateContainerd containerd)
{
    [Fact]
    public async Task A_spec_with_an_AppArmor_profile_is_refused_where_AppArmor_is_off_and_changed_to_where_it_is_on()
    {
        var id = containerd.NewId("apparmor");
        var rootfs = containerd.FreshRootfs(Flavor.Wasm, id);
        var spec = SpecFile.Minimal(rootfs, ["/hello.wasm"]);
        // No such profile is loaded anywhere: where AppArmor is on, changing to it must fail, which proves it is tried.
        SpecFile.Process(spec)["apparmorProfile"] = "wasmcell-test-not-loaded";
        var result = await SpecFile.RunAsync(containerd, id, SpecFile.Write(containerd, id, spec));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(
            AppArmorEnabled() ? "AppArmor profile \"wasmcell-test-not-loaded\"" : "process.apparmorProfile \"wasmcell-test-not-loaded\" asks for AppArmor, which is not enabled",
            result.Stderr, StringComparison.Ordinal);
        await containerd.Ctr.RunAsync("containers", "rm", id);

        // "unconfined" asks for nothing, on any host.
        var plain = containerd.NewId("apparmor");
        var unconfined = SpecFile.Minimal(containerd.FreshRootfs(Flavor.Wasm, plain), ["/hello.wasm"]);
        SpecFile.Process(unconfined)["apparmorProfile"] = "unconfined";
        var ran = await SpecFile.RunAsync(containerd, plain, SpecFile.Write(containerd, plain, unconfined));
        Assert.True(ran.ExitCode == 0, ran.Describe());
        Assert.Contains("hello from wasm", ran.Stdout, StringComparison.Ordinal);
        Assert.Empty(await LeakCheck.LeftoversAsync(containerd, [id, plain]));
    }

    private static bool AppArmorEnabled() =>
        File.Exists("/sys/module/apparmor/parameters/enabled")
        && File.ReadAllText("/sys/module/apparmor/parameters/enabled").StartsWith('Y');
}
