using Wasmcell.Oci.RuntimeSpec;
using Wasmcell.Shim.Containers;

namespace Wasmcell.Shim.Artifacts;

/// <summary>
/// Create's entrypoint with the OCI Wasm artifact fallback (issue 5): the rootfs's entrypoint when it
/// has one; only when it has none (process.args empty, or args[0] not found) is containerd asked
/// whether the image is a Wasm artifact, whose module it cannot unpack into a rootfs. Then the module
/// is fetched into the bundle and its directory becomes the cell's rootfs, so the guest's `/` holds
/// just the module. A plain image keeps the rootfs's own error.
/// </summary>
public static class ArtifactEntrypoint
{
    /// <summary>The whole containerd walk, module download included; Create must not hang on containerd.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static Task<(Entrypoint Entry, string Rootfs)> ResolveAsync(Spec spec, string rootfs, string id, string bundle, string ns, ShimLog log)
    {
        var address = ContainerdAddress.Current();
        return ResolveAsync(spec, rootfs, id, bundle, log,
            address.Length == 0 ? null : _ => ArtifactFetchProcess.RunAsync(address, ns, id, bundle, Timeout));
    }

    /// <param name="fetch">Fetches the image's module into the bundle (null: not an artifact), or null when the shim knows no containerd address.</param>
    internal static async Task<(Entrypoint Entry, string Rootfs)> ResolveAsync(
        Spec spec, string rootfs, string id, string bundle, ShimLog log, Func<CancellationToken, Task<FetchedModule?>>? fetch)
    {
        Exception noEntrypoint;
        try
        {
            return (Entrypoint.Resolve(spec, rootfs), rootfs);
        }
        catch (FileNotFoundException e)
        {
            noEntrypoint = e;
        }
        catch (InvalidDataException e) when (spec.Process?.Args is not { Count: > 0 } args || args[0].Length == 0)
        {
            noEntrypoint = e;
        }

        if (fetch is null)
        {
            throw noEntrypoint;
        }
        FetchedModule? fetched;
        try
        {
            using var timeout = new CancellationTokenSource(Timeout);
            fetched = await fetch(timeout.Token);
        }
        catch (Exception e) when (e is InvalidDataException or TimeoutException)
        {
            throw new InvalidDataException($"{noEntrypoint.Message}; fetching the image as an OCI Wasm artifact failed: {e.Message}", e);
        }
        if (fetched is null)
        {
            throw noEntrypoint;
        }
        log.Info($"{id}: rootfs has no entrypoint; running module {fetched.ContainerPath} of Wasm artifact {fetched.Image} ({fetched.Os})");
        MakeCwd(spec, fetched.Directory);
        // Resolved like any entrypoint, so a layer that is not WebAssembly is rejected with the usual reason.
        var module = new Spec { Process = new Process { Args = [fetched.ContainerPath], Cwd = "/" } };
        return (Entrypoint.Resolve(module, fetched.Directory), fetched.Directory);
    }

    /// <summary>The cell preopens the spec's cwd inside its rootfs; an artifact has none but `/`, so a
    /// plain cwd is made (empty) beside the module rather than failing the preopen.</summary>
    private static void MakeCwd(Spec spec, string directory)
    {
        var cwd = spec.Process?.Cwd;
        if (string.IsNullOrEmpty(cwd) || cwd == "/" || cwd.Split('/').Any(s => s is ".." or "."))
        {
            return;
        }
        Directory.CreateDirectory(Path.Join(directory, cwd.TrimStart('/')));
    }
}
