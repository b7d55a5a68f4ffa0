using Wasmcell.Shim.Processes;

namespace Wasmcell.Shim.Artifacts;

/// <summary>
/// Runs containerd-shim-wasm-v1-fetch (ShimBinaries.Fetch), which asks containerd's gRPC API for the
/// container's image and writes its Wasm module into the bundle. It is its own binary because the gRPC
/// client (HTTP/2, TLS) is 3.8 MB of NativeAOT image, a millisecond of start-up and 3 MiB of RSS that the
/// daemon would otherwise carry for every container, while only artifact images without a rootfs need it.
/// </summary>
public static class ArtifactFetchProcess
{
    public static async Task<FetchedModule?> RunAsync(string address, string ns, string id, string bundle, TimeSpan timeout)
    {
        var result = FetchedModule.FileIn(bundle);
        File.Delete(result);
        var (code, stderr) = await ProcessRunner.RunAsync(ShimBinaries.Fetch, [address, ns, id, bundle], timeout: timeout);
        if (code != 0)
        {
            throw code == 137
                ? new TimeoutException($"containerd did not answer within {timeout.TotalSeconds:0} s")
                : new InvalidDataException(stderr.Length > 0 ? stderr : $"{ShimBinaries.FetchName} exited with {code}");
        }
        return FetchedModule.ReadFrom(result);
    }
}
