using System.Runtime.CompilerServices;
using System.Text;
using Wasmcell.Oci.Images;
using Wasmcell.Shim.Artifacts;

namespace Wasmcell.Shim.Tests.Artifacts;

/// <summary>An in-memory containerd: containers → images → targets, blobs by digest, served in small chunks.</summary>
internal sealed class FakeImageContentSource : IImageContentSource
{
    public Dictionary<string, string> Containers { get; } = [];
    public Dictionary<string, Descriptor> Images { get; } = [];
    public Dictionary<string, byte[]> Blobs { get; } = [];
    public List<string> Reads { get; } = [];
    public Exception? ContainerError { get; set; }

    public Descriptor AddBlob(string mediaType, byte[] content, SortedDictionary<string, string>? annotations = null, Platform? platform = null)
    {
        var digest = Digests.Of(content);
        Blobs[digest] = content;
        return new Descriptor { MediaType = mediaType, Digest = digest, Size = content.Length, Annotations = annotations, Platform = platform };
    }

    public Descriptor AddJson(string mediaType, string json) => AddBlob(mediaType, Encoding.UTF8.GetBytes(json));

    public Task<string> GetContainerImageAsync(string containerId, CancellationToken cancel) =>
        ContainerError is { } e ? Task.FromException<string>(e)
        : Task.FromResult(Containers.TryGetValue(containerId, out var image) ? image : throw new KeyNotFoundException($"container {containerId} not found"));

    /// <summary>When set, Images.Get never answers (until cancelled), like a wedged containerd.</summary>
    public bool ImagesHang { get; set; }

    public async Task<Descriptor> GetImageTargetAsync(string imageName, CancellationToken cancel)
    {
        if (ImagesHang)
        {
            await Task.Delay(Timeout.Infinite, cancel);
        }
        return Images.TryGetValue(imageName, out var target) ? target : throw new InvalidDataException($"no image {imageName}");
    }

    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAsync(string digest, [EnumeratorCancellation] CancellationToken cancel)
    {
        Reads.Add(digest);
        if (!Blobs.TryGetValue(digest, out var blob))
        {
            throw new KeyNotFoundException($"content digest {digest}: not found");
        }
        // Odd-sized chunks so the fetcher's streaming, bounding and hashing span message boundaries.
        for (var i = 0; i < blob.Length; i += 7)
        {
            await Task.Yield();
            yield return blob.AsMemory(i, Math.Min(7, blob.Length - i));
        }
    }
}
