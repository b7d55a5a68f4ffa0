using Wasmcell.Oci.Images;

namespace Wasmcell.Oci.Registry;

/// <summary>Pushes one image of an <see cref="OciLayout"/> to a registry: blobs the registry lacks, then the manifest.</summary>
public static class ImagePusher
{
    /// <returns>The manifest digest.</returns>
    public static async Task<string> PushAsync(
        OciLayout layout, Descriptor manifestDescriptor, ImageReference target, RegistryClientOptions options, CancellationToken cancellationToken)
    {
        var manifest = layout.ReadManifest(manifestDescriptor);
        using var client = RegistryClient.For(target, push: true, options);

        // Layers first, config last, manifest after all of them: a registry may refuse a manifest
        // whose blobs it does not have yet.
        foreach (var blob in manifest.Layers.Append(manifest.Config))
        {
            if (await client.BlobExistsAsync(blob.Digest, cancellationToken))
            {
                continue;
            }

            var path = layout.BlobPath(blob.Digest);
            await client.UploadBlobAsync(blob, () => File.OpenRead(path), cancellationToken);
        }

        var content = layout.ReadBlob(manifestDescriptor.Digest);
        return await client.PutManifestAsync(target.ManifestReference, manifestDescriptor.MediaType, content, cancellationToken);
    }
}
