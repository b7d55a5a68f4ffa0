using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;

namespace Wasmcell.Oci.Images;

/// <summary>The Wasm module an image runs, read out of a layout without unpacking a rootfs.</summary>
public sealed record ImageModule(string Name, byte[] Bytes);

/// <summary>
/// Finds the module of an image: the <c>application/wasm</c> layer of an artifact, or for a plain
/// image the file its entrypoint (else cmd) names, looked up from the top layer down.
/// </summary>
public static class ImageModuleLocator
{
    public static ImageModule Find(OciLayout layout, Descriptor manifestDescriptor)
    {
        var manifest = layout.ReadManifest(manifestDescriptor);
        var config = layout.ReadBlob(manifest.Config.Digest);
        if (WasmArtifact.Detect(manifest, config) is { } artifact)
        {
            var title = artifact.ModuleLayer.Annotations?.GetValueOrDefault("org.opencontainers.image.title") ?? "module.wasm";
            return new ImageModule(title, layout.ReadBlob(artifact.ModuleLayer.Digest));
        }

        var image = JsonSerializer.Deserialize(config, ImageJsonContext.Default.ImageConfig)
                    ?? throw new InvalidDataException("empty image config");
        var argv0 = image.Config?.Entrypoint?.FirstOrDefault() ?? image.Config?.Cmd?.FirstOrDefault()
                    ?? throw new InvalidDataException("the image has neither entrypoint nor cmd");
        var wanted = Normalize(JoinWorkingDir(image.Config?.WorkingDir, argv0.Split('#')[0]));

        foreach (var layer in manifest.Layers.Reverse())
        {
            using var blob = File.OpenRead(layout.BlobPath(layer.Digest));
            using Stream tarStream = MediaTypes.IsGzipLayer(layer.MediaType) ? new GZipStream(blob, CompressionMode.Decompress) : blob;
            using var reader = new TarReader(tarStream);
            while (reader.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile && Normalize(entry.Name) == wanted && entry.DataStream is { } data)
                {
                    using var bytes = new MemoryStream();
                    data.CopyTo(bytes);
                    return new ImageModule(Path.GetFileName(wanted), bytes.ToArray());
                }
            }
        }

        throw new FileNotFoundException($"the image's entrypoint '{argv0}' is not a file in any of its layers");
    }

    private static string JoinWorkingDir(string? workingDir, string path) =>
        path.StartsWith('/') ? path : (workingDir ?? "/").TrimEnd('/') + "/" + path;

    private static string Normalize(string path) =>
        string.Join('/', path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != "."));
}
