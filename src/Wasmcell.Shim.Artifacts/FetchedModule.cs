namespace Wasmcell.Shim.Artifacts;

/// <summary>
/// What the fetch helper (containerd-shim-wasm-v1-fetch) hands back to the daemon: the artifact's module,
/// written into the bundle, and where it came from. A four-line file beside the module, so the daemon needs
/// no part of the helper's gRPC stack to read it.
/// </summary>
public sealed record FetchedModule(string Image, string Directory, string ContainerPath, string Os)
{
    public const string FileName = "wasmcell-artifact";

    public static string FileIn(string bundle) => Path.Join(bundle, FileName);

    public static FetchedModule From(FetchedArtifact fetched) =>
        new(fetched.Image, fetched.Directory, fetched.ContainerPath, fetched.Info.Os);

    public void WriteTo(string file) => File.WriteAllLines(file, [Image, Directory, ContainerPath, Os]);

    /// <summary>The record in <paramref name="file"/>, or null when the helper wrote none (the image is no artifact).</summary>
    public static FetchedModule? ReadFrom(string file)
    {
        if (!File.Exists(file))
        {
            return null;
        }
        var lines = File.ReadAllLines(file);
        return lines.Length == 4 ? new FetchedModule(lines[0], lines[1], lines[2], lines[3])
            : throw new InvalidDataException($"{file} is not what containerd-shim-wasm-v1-fetch writes");
    }
}
