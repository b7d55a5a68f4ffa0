namespace Wasmcell.IntegrationTests.Infrastructure;

/// <summary>Images of one component made by the published <c>wasmcell</c> CLI, as a user makes them.</summary>
internal static class ComponentImages
{
    public static string Cli => Path.Combine(RepoLayout.Artifacts, "cli", "wasmcell");

    /// <summary>
    /// `wasmcell build` of <paramref name="component"/> into an OCI archive tagged <paramref name="image"/> (once per
    /// containerd), after `wasmcell precompile` into the containerd's cache when asked (a large component's compile
    /// then stays off each start), and `ctr images import` of it.
    /// </summary>
    public static async Task<string> ImportAsync(PrivateContainerd containerd, string component, string image, bool precompile = false)
    {
        containerd.RequireShim();
        Assert.True(File.Exists(Cli), $"{Cli} is missing: scripts/publish.sh writes it with the shim");
        var archive = Path.Combine(containerd.Dir, $"{Path.GetFileNameWithoutExtension(component)}.oci.tar");
        if (!File.Exists(archive))
        {
            if (precompile)
            {
                var precompiled = await CommandRunner.RunAsync(Cli, ["precompile", component, "--cache-dir", containerd.PrecompileDir], TimeSpan.FromMinutes(2));
                Assert.True(precompiled.ExitCode == 0, precompiled.Describe());
            }
            var build = await CommandRunner.RunAsync(Cli, ["build", component, "-t", image, "-o", archive], TimeSpan.FromMinutes(1));
            Assert.True(build.ExitCode == 0, build.Describe());
        }
        var import = await containerd.Ctr.RunAsync("images", "import", archive);
        Assert.True(import.ExitCode == 0, import.Describe());
        return image;
    }
}
