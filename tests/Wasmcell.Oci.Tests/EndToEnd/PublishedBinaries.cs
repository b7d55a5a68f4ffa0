using Wasmcell.Oci.Tests.Infrastructure;

namespace Wasmcell.Oci.Tests.EndToEnd;

/// <summary>
/// The NativeAOT builds the end-to-end tests run: artifacts/shim (containerd-shim-wasm-v1, its
/// containerd-shim-wasm-v1-daemon, -cell and -fetch, libwasmtime.so) and artifacts/cli (wasmcell). Published by
/// scripts/publish.sh for the first test that needs them when missing, under the same
/// artifacts/.shim.lock the integration tests take, so two test hosts never publish over each other.
/// </summary>
internal static class PublishedBinaries
{
    public const string ShimFileName = "containerd-shim-wasm-v1";

    private static readonly Lazy<string> Shim = new(() => Publish("shim", ShimFileName));
    private static readonly Lazy<string> Cli = new(() => Publish("cli", "wasmcell"));

    /// <summary>The directory holding the published shim and its libwasmtime.so.</summary>
    public static string ShimDir => Shim.Value;

    /// <summary>The published <c>wasmcell</c> executable.</summary>
    public static string WasmcellCli => Path.Combine(Cli.Value, "wasmcell");

    private static string Publish(string artifact, string binary)
    {
        var dir = Path.Combine(RepoPaths.Root, "artifacts", artifact);
        Directory.CreateDirectory(Path.Combine(RepoPaths.Root, "artifacts"));
        using var gate = AcquireLock(Path.Combine(RepoPaths.Root, "artifacts", ".shim.lock"));
        if (File.Exists(Path.Combine(dir, binary)))
        {
            return dir;
        }

        var publish = ToolRun.Of("bash", [Path.Combine(RepoPaths.Root, "scripts", "publish.sh")], TimeSpan.FromMinutes(20));
        if (publish.ExitCode != 0 || !File.Exists(Path.Combine(dir, binary)))
        {
            throw new InvalidOperationException($"scripts/publish.sh did not produce {artifact}/{binary}:\n{publish}");
        }

        return dir;
    }

    private static FileStream AcquireLock(string path)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(20);
        while (true)
        {
            try
            {
                // FileShare.None is flock(LOCK_EX) on Linux, the lock `flock(1)` and the integration tests take.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(200);
            }
        }
    }
}
