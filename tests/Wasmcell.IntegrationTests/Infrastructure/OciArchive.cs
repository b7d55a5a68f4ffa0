using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Wasmcell.IntegrationTests.Infrastructure;

/// <summary>
/// Writes a one-layer OCI image archive (oci-layout tar) that `ctr images import` takes, so a test can run
/// a real image: containerd unpacks it with the overlayfs snapshotter and hands the shim rootfs mounts,
/// as for the seed images.
/// </summary>
internal static class OciArchive
{
    /// <param name="files">Paths inside the image (relative, e.g. "hello.wasm") and the host files to put there.</param>
    /// <param name="symlinks">Symlinks inside the image (relative path, target as written).</param>
    /// <param name="workingDir">The image's WORKDIR (config.WorkingDir), if any.</param>
    public static void Write(string archivePath, string imageName, IReadOnlyDictionary<string, string> files, IReadOnlyList<string> entrypoint,
        IReadOnlyDictionary<string, string>? symlinks = null, string? workingDir = null)
    {
        var layer = LayerTar(files, symlinks ?? new Dictionary<string, string>());
        var imageConfig = new Dictionary<string, object> { ["Entrypoint"] = entrypoint, ["Env"] = new[] { "PATH=/bin" } };
        if (workingDir is not null)
        {
            imageConfig["WorkingDir"] = workingDir;
        }

        var layerDigest = Digest(layer);
        var config = Json(new Dictionary<string, object>
        {
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["config"] = imageConfig,
            ["rootfs"] = new Dictionary<string, object> { ["type"] = "layers", ["diff_ids"] = new[] { layerDigest } },
        });
        var manifest = Json(new Dictionary<string, object>
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = Descriptor("application/vnd.oci.image.config.v1+json", config),
            ["layers"] = new[] { Descriptor("application/vnd.oci.image.layer.v1.tar", layer) },
        });
        var index = Json(new Dictionary<string, object>
        {
            ["schemaVersion"] = 2,
            ["manifests"] = new[]
            {
                new Dictionary<string, object>(Descriptor("application/vnd.oci.image.manifest.v1+json", manifest))
                {
                    ["annotations"] = new Dictionary<string, string> { ["io.containerd.image.name"] = imageName },
                },
            },
        });

        using var output = File.Create(archivePath);
        using var tar = new TarWriter(output, TarEntryFormat.Pax);
        Add(tar, "oci-layout", Encoding.UTF8.GetBytes("{\"imageLayoutVersion\":\"1.0.0\"}"));
        Add(tar, "index.json", index);
        foreach (var blob in new[] { config, manifest, layer })
        {
            Add(tar, "blobs/sha256/" + Digest(blob)["sha256:".Length..], blob);
        }
    }

    private static byte[] LayerTar(IReadOnlyDictionary<string, string> files, IReadOnlyDictionary<string, string> symlinks)
    {
        using var ms = new MemoryStream();
        using (var tar = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (inImage, host) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, inImage)
                {
                    Mode = (UnixFileMode)0b111_101_101,
                    ModificationTime = DateTimeOffset.UnixEpoch,
                    DataStream = new MemoryStream(File.ReadAllBytes(host)),
                };
                tar.WriteEntry(entry);
            }
            foreach (var (link, target) in symlinks.OrderBy(l => l.Key, StringComparer.Ordinal))
            {
                tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, link)
                {
                    LinkName = target,
                    Mode = (UnixFileMode)0b111_111_111,
                    ModificationTime = DateTimeOffset.UnixEpoch,
                });
            }
        }
        return ms.ToArray();
    }

    private static Dictionary<string, object> Descriptor(string mediaType, byte[] blob) => new()
    {
        ["mediaType"] = mediaType,
        ["digest"] = Digest(blob),
        ["size"] = blob.Length,
    };

    private static void Add(TarWriter tar, string name, byte[] data) =>
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            Mode = (UnixFileMode)0b110_100_100,
            ModificationTime = DateTimeOffset.UnixEpoch,
            DataStream = new MemoryStream(data),
        });

    private static string Digest(byte[] blob) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(blob));

    private static byte[] Json(object value) => JsonSerializer.SerializeToUtf8Bytes(value);
}
