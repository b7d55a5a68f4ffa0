using System.Text.Json;

namespace Wasmcell.Oci.Images;

/// <summary>
/// An OCI image layout directory (<c>oci-layout</c>, <c>index.json</c>, <c>blobs/sha256/…</c>):
/// where builds land, what push reads and pull fills.
/// </summary>
public sealed class OciLayout
{
    /// <summary>containerd's import reads the image name from this index annotation.</summary>
    public const string ContainerdImageNameAnnotation = "io.containerd.image.name";

    /// <summary>The OCI spec's tag annotation (skopeo/`oci-archive:x.tar:tag` address images by it).</summary>
    public const string RefNameAnnotation = "org.opencontainers.image.ref.name";

    public string Root { get; }

    private OciLayout(string root) => Root = root;

    public static OciLayout Create(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "blobs", "sha256"));
        var layout = new OciLayout(root);
        var marker = Path.Combine(root, "oci-layout");
        if (!File.Exists(marker))
        {
            File.WriteAllBytes(marker, JsonSerializer.SerializeToUtf8Bytes(new OciLayoutMarker(), ImageJsonContext.Default.OciLayoutMarker));
        }

        if (!File.Exists(layout.IndexPath))
        {
            layout.WriteIndex([]);
        }

        return layout;
    }

    public static OciLayout Open(string root)
    {
        if (!File.Exists(Path.Combine(root, "oci-layout")) || !File.Exists(Path.Combine(root, "index.json")))
        {
            throw new InvalidDataException($"'{root}' is not an OCI image layout (no oci-layout or index.json)");
        }

        return new OciLayout(root);
    }

    private string IndexPath => Path.Combine(Root, "index.json");

    public string BlobPath(string digest) => Path.Combine(Root, "blobs", "sha256", Digests.Hex(digest));

    public bool HasBlob(string digest) => File.Exists(BlobPath(digest));

    public IReadOnlyList<Descriptor> Manifests =>
        JsonSerializer.Deserialize(File.ReadAllBytes(IndexPath), ImageJsonContext.Default.ImageIndex)?.Manifests ?? [];

    /// <summary>Stores <paramref name="content"/> and returns its descriptor.</summary>
    public Descriptor WriteBlob(string mediaType, byte[] content)
    {
        var digest = Digests.Of(content);
        var path = BlobPath(digest);
        if (!File.Exists(path))
        {
            WriteAtomically(path, content);
        }

        return new Descriptor { MediaType = mediaType, Digest = digest, Size = content.LongLength };
    }

    /// <summary>Copies a stream into the store, checking that its bytes hash to <paramref name="expected"/>.</summary>
    public async Task WriteBlobAsync(string expected, Stream content, CancellationToken cancellationToken)
    {
        var path = BlobPath(expected);
        var temp = $"{path}.partial-{Guid.NewGuid():N}";
        try
        {
            await using (var file = File.Create(temp))
            {
                await content.CopyToAsync(file, cancellationToken);
            }

            var actual = Digests.OfFile(temp);
            if (actual != expected)
            {
                throw new InvalidDataException($"blob content hashes to {actual}, expected {expected}");
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public byte[] ReadBlob(string digest) => File.ReadAllBytes(BlobPath(digest));

    /// <summary>Points <paramref name="imageName"/> (a full reference) at <paramref name="manifest"/>, replacing an older entry of that name.</summary>
    public Descriptor Tag(Descriptor manifest, string imageName, string? refName)
    {
        var annotations = new SortedDictionary<string, string>(StringComparer.Ordinal) { [ContainerdImageNameAnnotation] = imageName };
        if (refName is not null)
        {
            annotations[RefNameAnnotation] = refName;
        }

        var tagged = manifest with { Annotations = annotations };
        var others = Manifests.Where(m => m.Annotations?.GetValueOrDefault(ContainerdImageNameAnnotation) != imageName);
        WriteIndex([.. others, tagged]);
        return tagged;
    }

    /// <summary>The manifest named <paramref name="name"/> (full name or ref/tag annotation), or the only one if null.</summary>
    public Descriptor Resolve(string? name)
    {
        var manifests = Manifests;
        if (name is null)
        {
            return manifests.Count == 1
                ? manifests[0]
                : throw new InvalidOperationException($"the layout '{Root}' holds {manifests.Count} images; name one");
        }

        return manifests.FirstOrDefault(m =>
                   m.Annotations?.GetValueOrDefault(ContainerdImageNameAnnotation) == name
                   || m.Annotations?.GetValueOrDefault(RefNameAnnotation) == name
                   || m.Digest == name)
               ?? throw new KeyNotFoundException($"no image '{name}' in the layout '{Root}'");
    }

    public ImageManifest ReadManifest(Descriptor descriptor) =>
        JsonSerializer.Deserialize(ReadBlob(descriptor.Digest), ImageJsonContext.Default.ImageManifest)
        ?? throw new InvalidDataException($"manifest {descriptor.Digest} is empty");

    private void WriteIndex(IReadOnlyList<Descriptor> manifests)
    {
        var index = new ImageIndex { MediaType = MediaTypes.OciIndex, Manifests = manifests };
        WriteAtomically(IndexPath, JsonSerializer.SerializeToUtf8Bytes(index, ImageJsonContext.Default.ImageIndex));
    }

    private static void WriteAtomically(string path, byte[] content)
    {
        var temp = $"{path}.tmp-{Guid.NewGuid():N}";
        File.WriteAllBytes(temp, content);
        File.Move(temp, path, overwrite: true);
    }
}
