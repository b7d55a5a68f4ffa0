using System.Formats.Tar;

namespace Wasmcell.Oci.Images;

/// <summary>
/// An OCI image layout packed as a tar (what <c>ctr images import</c>, <c>docker load</c> of OCI
/// archives and skopeo's <c>oci-archive:</c> read). Written reproducibly like a layer.
/// </summary>
public static class OciArchive
{
    public static void Write(OciLayout layout, string tarPath)
    {
        var root = Path.GetFullPath(layout.Root);
        var entries = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetFileName(f).Contains(".tmp-") && !Path.GetFileName(f).Contains(".partial-"))
            .Select(f => new LayerEntry("/" + Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'), f, Executable: false));
        var tar = ReproducibleTar.CreateTar(entries);
        var temp = $"{tarPath}.tmp-{Guid.NewGuid():N}";
        File.WriteAllBytes(temp, tar);
        File.Move(temp, tarPath, overwrite: true);
    }

    /// <summary>Unpacks an archive into <paramref name="directory"/> (entries outside it are refused by the BCL).</summary>
    public static OciLayout Extract(string tarPath, string directory)
    {
        Directory.CreateDirectory(directory);
        TarFile.ExtractToDirectory(tarPath, directory, overwriteFiles: true);
        return OciLayout.Open(directory);
    }
}
