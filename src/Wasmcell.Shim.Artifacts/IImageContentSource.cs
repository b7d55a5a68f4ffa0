using Wasmcell.Oci.Images;

namespace Wasmcell.Shim.Artifacts;

/// <summary>
/// What the shim asks containerd about a container's image when its rootfs holds no entrypoint: which
/// image it came from, that image's target descriptor, and blobs by digest. An interface so the walk
/// (<see cref="ArtifactModuleFetcher"/>) is tested without a containerd.
/// </summary>
public interface IImageContentSource
{
    /// <summary>The image reference the container was created from; empty when it has none.</summary>
    Task<string> GetContainerImageAsync(string containerId, CancellationToken cancel);

    /// <summary>The image's target: a manifest or an index.</summary>
    Task<Descriptor> GetImageTargetAsync(string imageName, CancellationToken cancel);

    /// <summary>The blob's bytes in order, in chunks; throws <see cref="KeyNotFoundException"/> when the store lacks it.</summary>
    IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAsync(string digest, CancellationToken cancel);
}
