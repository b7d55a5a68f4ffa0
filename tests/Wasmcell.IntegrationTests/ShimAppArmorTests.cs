using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests;

/// <summary>
/// process.apparmorProfile (issue 11): where AppArmor is enabled the cell's sandbox changes to the profile before
/// the runtime starts (a profile that is not loaded fails at create, naming it); where it is not (this repo's CI
/// hosts) the profile means nothing and the container runs.
/// </summary>
[Collection(PrivateContainerdCollection.Name)]
public sealed class ShimAppArmorTests(PrivateContainerd containerd)
{
    [Fact]
    public async Task A_spec_with_an_AppArmor_profile_runs_where_AppArmor_is_off_and_changes_to_it_where_it_is_on()
    {
        var id = containerd.NewId("apparmor");
        var rootfs = containerd.FreshRootfs(Flavor.Wasm, id);
        var spec = SpecFile.Minimal(rootfs, ["/hello.wasm"]);
        // No such profile is loaded anywhere: where AppArmor is on, changing to it must fail, which proves it is tried.
        SpecFile.Process(spec)["apparmorProfile"] = "wasmcell-test-not-loaded";
        var result = await SpecFile.RunAsync(containerd, id, SpecFile.Write(containerd, id, spec));

        if (AppArmorEnabled())
        {
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("AppArmor profile \"wasmcell-test-not-loaded\"", result.Stderr, StringComparison.Ordinal);
            await containerd.Ctr.RunAsync("containers", "rm", id);
        }
        else
        {
            Assert.True(result.ExitCode == 0, result.Describe());
            Assert.Contains("hello from wasm", result.Stdout, StringComparison.Ordinal);
        }
        Assert.Empty(await LeakCheck.LeftoversAsync(containerd, [id]));
    }

    private static bool AppArmorEnabled() =>
        File.Exists("/sys/module/apparmor/parameters/enabled")
        && File.ReadAllText("/sys/module/apparmor/parameters/enabled").StartsWith('Y');
}
