using System.Security.Cryptography;
using System.Text.Json;
using Wasmcell.Oci.Images;

namespace Wasmcell.Shim.Artifacts;

/// <summary>
/// Finds and fetches the module of an OCI Wasm artifact through containerd's content store, for a
/// container whose rootfs is empty because containerd cannot unpack such an image: container → image →
/// target (an index picks its wasm/wasi entry) → manifest and config → <see cref="WasmArtifact.Detect(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>
/// → module layer, streamed into <c>&lt;bundle&gt;/wasmcell-artifact/</c>, size-bounded and digest-verified
/// before it is renamed into place. Returns null for a plain image, so Create keeps its own error.
/// </summary>
public sealed class ArtifactModuleFetcher(IImageContentSource source, long maxModuleBytes = ArtifactModuleFetcher.DefaultMaxModuleBytes)
{
    public const long DefaultMaxModuleBytes = 256L << 20;
    public const string DirectoryName = "wasmcell-artifact";
    private const string DefaultModuleName = "module.wasm";

    // Manifests, indexes and configs are small JSON; a bound keeps a bogus descriptor from eating memory.
    private const long MaxDocumentBytes = 4L << 20;

    public async Task<FetchedArtifact?> FetchAsync(string containerId, string bundle, CancellationToken cancel)
    {
        string image;
        try
        {
            image = await source.GetContainerImageAsync(containerId, cancel);
        }
        catch (OperationCanceledException e) when (cancel.IsCancellationRequested)
        {
            throw new TimeoutException($"container {containerId}: containerd did not say in time which image it uses", e);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidDataException($"container {containerId}: cannot ask containerd which image it uses: {e.Message}", e);
        }
        if (string.IsNullOrEmpty(image))
        {
            return null;
        }
        try
        {
            return await FetchImageAsync(image, bundle, cancel);
        }
        catch (OperationCanceledException e) when (cancel.IsCancellationRequested)
        {
            throw new TimeoutException($"image {image}: containerd did not answer in time while the shim fetched its Wasm artifact", e);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Every reason below is worded without the image; it is named once, here.
            throw new InvalidDataException($"image {image}: {e.Message}", e);
        }
    }

    private async Task<FetchedArtifact?> FetchImageAsync(string image, string bundle, CancellationToken cancel)
    {
        var target = await source.GetImageTargetAsync(image, cancel);
        var document = await ReadDocumentAsync(target, "image target", cancel);
        if (IsIndex(target.MediaType, document))
        {
            var picked = PickWasmManifest(document);
            if (picked is null)
            {
                return null;
            }
            document = await ReadDocumentAsync(picked, "wasm manifest", cancel);
        }

        var manifest = ParseManifest(document);
        if (manifest is null)
        {
            return null;
        }
        // Detect decides on the manifest alone whether this is an artifact; only then is the config worth a read.
        if (WasmArtifact.Detect(manifest) is null)
        {
            return null;
        }
        var config = await ReadDocumentAsync(manifest.Config, "config", cancel);
        var info = WasmArtifact.Detect(manifest, config)!;

        var layer = info.ModuleLayer;
        if (layer.Size > maxModuleBytes)
        {
            throw new InvalidDataException(
                $"the Wasm module layer {layer.Digest} is {layer.Size} bytes, over the {maxModuleBytes}-byte limit");
        }
        var directory = Path.Join(bundle, DirectoryName);
        Directory.CreateDirectory(directory);
        var name = ModuleFileName(layer);
        await WriteVerifiedAsync(layer, Path.Join(directory, name), cancel);
        return new FetchedArtifact(image, directory, "/" + name, info);
    }

    private static bool IsIndex(string? mediaType, byte[] document)
    {
        if (MediaTypes.IsIndex(mediaType))
        {
            return true;
        }
        if (MediaTypes.IsManifest(mediaType))
        {
            return false;
        }
        // No or an unknown media type on the target: an index is the document with "manifests".
        using var json = ParseJson(document, "image target");
        return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("manifests", out _);
    }

    /// <summary>The index entry for wasm on a WASI os (wasi, wasip1, wasip2), or null when the index has none.</summary>
    private static Descriptor? PickWasmManifest(byte[] document)
    {
        ImageIndex index;
        try
        {
            index = JsonSerializer.Deserialize(document, ArtifactJsonContext.Default.ImageIndex)
                    ?? throw new InvalidDataException("the image index is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException("the image index is not valid JSON: " + e.Message, e);
        }
        return index.Manifests.FirstOrDefault(m =>
            m.Platform is { Architecture: "wasm", Os: "wasi" or "wasip1" or "wasip2" });
    }

    private static ImageManifest? ParseManifest(byte[] document)
    {
        try
        {
            var manifest = JsonSerializer.Deserialize(document, ArtifactJsonContext.Default.ImageManifest);
            return manifest?.Layers is null || manifest.Config is null ? null : manifest;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException("the image manifest is not valid JSON: " + e.Message, e);
        }
    }

    private static JsonDocument ParseJson(byte[] document, string what)
    {
        try
        {
            return JsonDocument.Parse(document);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"the {what} is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>The layer's title annotation when it is a plain <c>.wasm</c> file name, else module.wasm.</summary>
    private static string ModuleFileName(Descriptor layer)
    {
        if (layer.Annotations?.TryGetValue("org.opencontainers.image.title", out var title) == true
            && title.EndsWith(".wasm", StringComparison.Ordinal) && title.Length > ".wasm".Length
            && !title.StartsWith('.') && !title.AsSpan().ContainsAny("/\\\0"))
        {
            return title;
        }
        return DefaultModuleName;
    }

    private async Task<byte[]> ReadDocumentAsync(Descriptor descriptor, string what, CancellationToken cancel)
    {
        CheckDigest(descriptor, what);
        if (descriptor.Size > MaxDocumentBytes)
        {
            throw new InvalidDataException($"the {what} {descriptor.Digest} is {descriptor.Size} bytes, over the {MaxDocumentBytes}-byte limit");
        }
        using var buffer = new MemoryStream();
        await CopyVerifiedAsync(descriptor, what, buffer, Math.Min(descriptor.Size, MaxDocumentBytes), cancel);
        return buffer.ToArray();
    }

    private async Task WriteVerifiedAsync(Descriptor layer, string path, CancellationToken cancel)
    {
        CheckDigest(layer, "Wasm module layer");
        // Written beside its final name and renamed only once verified, so a cut-off or tampered
        // download never sits where the cell would load it.
        var partial = path + ".partial";
        try
        {
            await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await CopyVerifiedAsync(layer, "Wasm module layer", file, layer.Size, cancel);
            }
            File.Move(partial, path, overwrite: true);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
    }

    /// <summary>Copies the blob to <paramref name="sink"/>, failing once it passes its descriptor's size or ends with another digest.</summary>
    private async Task CopyVerifiedAsync(Descriptor descriptor, string what, Stream sink, long expectedSize, CancellationToken cancel)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long total = 0;
        try
        {
            await foreach (var chunk in source.ReadAsync(descriptor.Digest, cancel).WithCancellation(cancel))
            {
                total += chunk.Length;
                if (total > expectedSize)
                {
                    throw new InvalidDataException(
                        $"the {what} {descriptor.Digest} is longer than the {expectedSize} bytes its descriptor declares");
                }
                hash.AppendData(chunk.Span);
                await sink.WriteAsync(chunk, cancel);
            }
        }
        catch (KeyNotFoundException e)
        {
            throw new InvalidDataException($"the {what} {descriptor.Digest} is not in containerd's content store ({e.Message})", e);
        }
        if (total != expectedSize)
        {
            throw new InvalidDataException($"the {what} {descriptor.Digest} has {total} bytes, its descriptor declares {expectedSize}");
        }
        var actual = Digests.Sha256Prefix + Convert.ToHexStringLower(hash.GetHashAndReset());
        if (actual != descriptor.Digest)
        {
            throw new InvalidDataException($"the {what} does not match its digest: expected {descriptor.Digest}, content hashes to {actual}");
        }
    }

    private static void CheckDigest(Descriptor descriptor, string what)
    {
        if (!Digests.IsValid(descriptor.Digest))
        {
            throw new InvalidDataException($"the {what} has digest '{descriptor.Digest}'; only sha256 digests are supported");
        }
        if (descriptor.Size < 0)
        {
            throw new InvalidDataException($"the {what} {descriptor.Digest} declares a negative size");
        }
    }
}
