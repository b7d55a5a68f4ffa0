using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>
/// Writes tiny single-layer OCI images as OCI-archive tars that <c>ctr images import</c> takes,
/// without docker or a registry. Deterministic: mtime 0, owner 0:0, so the same inputs give the
/// same digests on every run.
/// </summary>
internal static class OciArchive
{
    /// <summary>A file of the layer: content, or a symlink target when <paramref name="LinkTarget"/> is set.</summary>
    internal sealed record LayerEntry(string Path, byte[]? Content = null, string? LinkTarget = null, UnixFileMode? Mode = null)
    {
        public UnixFileMode FileMode => Mode ?? DefaultFile;

        public const UnixFileMode DefaultFile = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        public const UnixFileMode Executable = DefaultFile | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
    }

    /// <summary>Writes <paramref name="imageName"/> (e.g. <c>localhost/wcc/pause:1</c>) to <paramref name="tarPath"/>.</summary>
    public static void Write(string tarPath, string imageName, IReadOnlyList<LayerEntry> entries, IReadOnlyList<string>? entrypoint, IReadOnlyList<string>? cmd)
    {
        var layer = LayerTar(entries);
        var layerDigest = Digest(layer);
        var config = Encoding.UTF8.GetBytes(
            "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"1970-01-01T00:00:00Z\","
            + "\"config\":{\"Env\":[\"PATH=/bin\"],\"WorkingDir\":\"/\""
            + (entrypoint is null ? "" : ",\"Entrypoint\":" + JsonArray(entrypoint))
            + (cmd is null ? "" : ",\"Cmd\":" + JsonArray(cmd))
            + "},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + layerDigest + "\"]}}");
        var manifest = Encoding.UTF8.GetBytes(
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            + $"\"config\":{{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"{Digest(config)}\",\"size\":{config.Length}}},"
            + $"\"layers\":[{{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"{layerDigest}\",\"size\":{layer.Length}}}]}}");
        // ctr import names the image after io.containerd.image.name.
        var index = Encoding.UTF8.GetBytes(
            "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            + $"\"digest\":\"{Digest(manifest)}\",\"size\":{manifest.Length},\"platform\":{{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
            + $"\"annotations\":{{\"io.containerd.image.name\":\"{imageName}\",\"org.opencontainers.image.ref.name\":\"{imageName[(imageName.LastIndexOf(':') + 1)..]}\"}}}}]}}");

        using var file = File.Create(tarPath);
        using var tar = new TarWriter(file, TarEntryFormat.Ustar, leaveOpen: false);
        AddDirectory(tar, "blobs");
        AddDirectory(tar, "blobs/sha256");
        AddFile(tar, "oci-layout", Encoding.UTF8.GetBytes("{\"imageLayoutVersion\":\"1.0.0\"}"), LayerEntry.DefaultFile);
        AddFile(tar, "index.json", index, LayerEntry.DefaultFile);
        foreach (var blob in new[] { layer, config, manifest })
        {
            AddFile(tar, "blobs/sha256/" + Digest(blob)["sha256:".Length..], blob, LayerEntry.DefaultFile);
        }
    }

    private static byte[] LayerTar(IReadOnlyList<LayerEntry> entries)
    {
        using var buffer = new MemoryStream();
        using (var tar = new TarWriter(buffer, TarEntryFormat.Ustar, leaveOpen: true))
        {
            var directories = new HashSet<string>();
            foreach (var entry in entries)
            {
                // Parent directories first, so extraction never depends on implicit creation.
                var parts = entry.Path.Split('/');
                for (var i = 1; i < parts.Length; i++)
                {
                    var directory = string.Join('/', parts[..i]);
                    if (directories.Add(directory))
                    {
                        AddDirectory(tar, directory);
                    }
                }
                if (entry.LinkTarget is not null)
                {
                    tar.WriteEntry(Stamp(new UstarTarEntry(TarEntryType.SymbolicLink, entry.Path) { LinkName = entry.LinkTarget, Mode = (UnixFileMode)0x1FF }));
                }
                else if (entry.Content is null)
                {
                    if (directories.Add(entry.Path))
                    {
                        AddDirectory(tar, entry.Path, entry.Mode ?? LayerEntry.Executable | UnixFileMode.UserWrite);
                    }
                }
                else
                {
                    AddFile(tar, entry.Path, entry.Content, entry.FileMode);
                }
            }
        }
        return buffer.ToArray();
    }

    private static void AddDirectory(TarWriter tar, string path, UnixFileMode mode = LayerEntry.Executable | UnixFileMode.UserWrite) =>
        tar.WriteEntry(Stamp(new UstarTarEntry(TarEntryType.Directory, path + "/") { Mode = mode }));

    private static void AddFile(TarWriter tar, string path, byte[] content, UnixFileMode mode) =>
        tar.WriteEntry(Stamp(new UstarTarEntry(TarEntryType.RegularFile, path) { Mode = mode, DataStream = new MemoryStream(content) }));

    private static UstarTarEntry Stamp(UstarTarEntry entry)
    {
        entry.ModificationTime = DateTimeOffset.UnixEpoch;
        entry.Uid = 0;
        entry.Gid = 0;
        return entry;
    }

    private static string Digest(byte[] data) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));

    private static string JsonArray(IReadOnlyList<string> items) =>
        "[" + string.Join(',', items.Select(i => "\"" + i.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"")) + "]";
}
