using System.Text.Json;
using Wasmcell.Oci.Images;

namespace Wasmcell.Oci.Registry;

/// <summary>
/// Pulls an image into an <see cref="OciLayout"/>. For a multi-platform index it takes the Wasm
/// platform's manifest (architecture <c>wasm</c>), or the only one.
/// </summary>
public static class ImagePuller
{
    /// <returns>The (tagged) manifest descriptor in the layout.</returns>
    public static async Task<Descriptor> PullAsync(
        ImageReference source, OciLayout layout, RegistryClientOptions options, CancellationToken cancellationToken)
    {
        using var client = RegistryClient.For(source, push: false, options);
        var fetched = await client.GetManifestAsync(source.ManifestReference, cancellationToken);
        if (MediaTypes.IsIndex(fetched.MediaType))
        {
            var index = JsonSerializer.Deserialize(fetched.Content, ImageJsonContext.Default.ImageIndex)
                        ?? throw new InvalidDataException("empty image index");
            var chosen = ChooseManifest(index, source);
            fetched = await client.GetManifestAsync(chosen.Digest, cancellationToken);
        }

        if (!MediaTypes.IsManifest(fetched.MediaType))
        {
            throw new InvalidDataException($"{source}: unsupported manifest media type '{fetched.MediaType}'");
        }

        var manifest = JsonSerializer.Deserialize(fetched.Content, ImageJsonContext.Default.ImageManifest)
                       ?? throw new InvalidDataException("empty image manifest");
        foreach (var blob in manifest.Layers.Prepend(manifest.Config))
        {
            if (layout.HasBlob(blob.Digest) && Digests.OfFile(layout.BlobPath(blob.Digest)) == blob.Digest)
            {
                continue;
            }

            await client.DownloadBlobAsync(blob, stream => layout.WriteBlobAsync(blob.Digest, stream, cancellationToken), cancellationToken);
        }

        // No platform on the index entry, for the reason given in ImageBuilder.WriteManifest.
        var stored = layout.WriteBlob(fetched.MediaType, fetched.Content);
        return layout.Tag(stored, source.ToString(), source.Tag);
    }

    private static Descriptor ChooseManifest(ImageIndex index, ImageReference source)
    {
        var wasm = index.Manifests.Where(m => m.Platform?.Architecture == "wasm").ToList();
        if (wasm.Count > 0)
        {
            return wasm[0];
        }

        return index.Manifests.Count == 1
            ? index.Manifests[0]
            : throw new InvalidDataException(
                $"{source} is a multi-platform image without a wasm platform ({string.Join(", ", index.Manifests.Select(m => m.Platform is null ? "?" : m.Platform.Os + "/" + m.Platform.Architecture))})");
    }
}
