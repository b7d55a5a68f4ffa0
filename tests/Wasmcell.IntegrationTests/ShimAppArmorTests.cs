using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests;

/// <summary>
/// process.apparmorProfile (issue 11): the cell cannot apply a profile yet, so where AppArmor is enabled one is
/// refused at create; where it is not (this host) the profile means nothing and the container runs.
/// </summary>
[Collection(PrivateContainerdCollection.Name)]
public sealed class ShimAppArmorTests(PrivateContainerd containerd)
{
    [Fact]
    public async Task A_spec_with_an_AppArmor_profile_runs_where_AppArmor_is_off_and_is_refused_where_it_is_on()
    {
        var id = containerd.NewId("apparmor");
        var rootfs = containerd.FreshRootfs(Flavor.Wasm, id);
        var spec = SpecFile.Minimal(rootfs, ["/hello.wasm"]);
        SpecFile.Process(spec)["apparmorProfile"] = "cri-containerd.apparmor.d";
        var result = await SpecFile.RunAsync(containerd, id, SpecFile.Write(containerd, id, spec));

        if (AppArmorEnabled())
        {
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("AppArmor profile \"cri-containerd.apparmor.d\"", result.Stderr, StringComparison.Ordinal);
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
