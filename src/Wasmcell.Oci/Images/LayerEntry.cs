namespace Wasmcell.Oci.Images;

/// <summary>One file of an image layer: where it lands in the rootfs and where its bytes come from.</summary>
/// <param name="Path">Absolute path inside the image, e.g. <c>/hello.wasm</c>.</param>
/// <param name="SourceFile">Host file that provides the content.</param>
/// <param name="Executable">Whether the file gets mode 0755 instead of 0644.</param>
/// <param name="IsDirectory">An empty directory (0755) rather than a file; <paramref name="SourceFile"/> is unused then.</param>
public sealed record LayerEntry(string Path, string SourceFile, bool Executable, bool IsDirectory = false)
{
    /// <summary>An empty directory in the image, such as the <c>logs/</c> the seed's nginx writes its pid file to.</summary>
    public static LayerEntry EmptyDirectory(string path) => new(path, "", Executable: false, IsDirectory: true);

    /// <summary>The tar entry name: no leading slash, forward slashes, no <c>.</c>/<c>..</c> parts.</summary>
    internal string TarName
    {
        get
        {
            var parts = Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || parts.Any(p => p is "." or ".."))
            {
                throw new ArgumentException($"invalid path inside the image: '{Path}'");
            }

            return string.Join('/', parts);
        }
    }
}
