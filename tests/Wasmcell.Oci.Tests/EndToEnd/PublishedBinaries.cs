namespace Wasmcell.Oci.Tests.EndToEnd;

/// <summary>
/// The NativeAOT CLI the end-to-end tests run: artifacts/cli/wasmcell, published by scripts/publish.sh (with
/// the shim, see <see cref="ShimBinary"/>) for the first test that needs it when missing, under the same
/// artifacts/.shim.lock, so two test hosts never publish over each other.
/// </summary>
internal static class PublishedBinaries
{
    private static readonly Lazy<string> Cli = new(() => Publish("cli", "wasmcell"));

    /// <summary>The published <c>wasmcell</c> executable.</summary>
    public static string WasmcellCli => Path.Combine(Cli.Value, "wasmcell");

    private static string Publish(string artifact, string binary)
    {
        var dir = Path.Combine(RepoLayout.Artifacts, artifact);
        using var gate = FileLock.Acquire(Path.Combine(RepoLayout.Artifacts, ".shim.lock"), TimeSpan.FromMinutes(20));
        if (File.Exists(Path.Combine(dir, binary)))
        {
            return dir;
        }

        var publish = CommandRunner.Run("bash", [Path.Combine(RepoLayout.Scripts, "publish.sh")], TimeSpan.FromMinutes(20));
        if (publish.ExitCode != 0 || !File.Exists(Path.Combine(dir, binary)))
        {
            throw new InvalidOperationException($"scripts/publish.sh did not produce {artifact}/{binary}:\n{publish}");
        }

        return dir;
    }
}
