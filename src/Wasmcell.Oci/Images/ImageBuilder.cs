using System.Globalization;
using System.Text.Json;

namespace Wasmcell.Oci.Images;

/// <summary>
/// Turns a <c>.wasm</c> (plus files) into an image in an <see cref="OciLayout"/>. Every byte written
/// is a function of the inputs, so the same inputs give the same manifest digest.
/// </summary>
public static class ImageBuilder
{
    /// <summary>Platform of plain Wasm images, as <c>docker buildx --platform wasi/wasm</c> writes it.</summary>
    public static readonly Platform WasiWasm = new() { Architecture = "wasm", Os = "wasi" };

    /// <summary>Builds the image's blobs into <paramref name="layout"/> and returns the manifest descriptor (untagged).</summary>
    public static Descriptor Build(ImageBuildOptions options, OciLayout layout)
    {
        var moduleBytes = File.ReadAllBytes(options.ModulePath);
        var info = WasmBinaryInfo.Read(moduleBytes);
        return options.Format == ImageFormat.Artifact
            ? BuildArtifact(options, layout, moduleBytes, info)
            : BuildImage(options, layout);
    }

    public static string ModuleImagePath(ImageBuildOptions options) =>
        options.ModuleImagePath ?? "/" + Path.GetFileName(options.ModulePath);

    private static Descriptor BuildImage(ImageBuildOptions options, OciLayout layout)
    {
        var modulePath = ModuleImagePath(options);
        var tar = ReproducibleTar.CreateTar([new LayerEntry(modulePath, options.ModulePath, Executable: true), .. options.Files]);
        var layer = options.Gzip
            ? layout.WriteBlob(MediaTypes.OciLayerTarGzip, ReproducibleTar.Gzip(tar))
            : layout.WriteBlob(MediaTypes.OciLayerTar, tar);

        var config = new ImageConfig
        {
            Created = FormatTime(options.Created),
            Architecture = WasiWasm.Architecture,
            Os = WasiWasm.Os,
            Config = new ContainerConfig
            {
                Env = options.Env.Count == 0 ? null : options.Env,
                // The module is the default entrypoint, unless a cmd alone names the program (as
                // the seed's images did: CMD ["hello.wasm"]).
                Entrypoint = options.Entrypoint ?? (options.Cmd is null ? [modulePath] : null),
                Cmd = options.Cmd,
                WorkingDir = options.WorkingDir,
            },
            RootFs = new RootFs { DiffIds = [Digests.Of(tar)] },
        };
        var configDescriptor = layout.WriteBlob(
            MediaTypes.OciConfig, JsonSerializer.SerializeToUtf8Bytes(config, ImageJsonContext.Default.ImageConfig));
        return WriteManifest(layout, configDescriptor, layer);
    }

    private static Descriptor BuildArtifact(ImageBuildOptions options, OciLayout layout, byte[] moduleBytes, WasmBinaryInfo info)
    {
        if (options.Files.Count > 0)
        {
            throw new ArgumentException("a Wasm artifact holds only the module; --file needs --format image");
        }

        var layer = layout.WriteBlob(MediaTypes.WasmLayer, moduleBytes) with
        {
            // The module's file name, so a puller (and the shim) can name what it extracts.
            Annotations = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["org.opencontainers.image.title"] = Path.GetFileName(ModuleImagePath(options)),
            },
        };
        var config = new WasmArtifactConfig
        {
            Created = FormatTime(options.Created),
            Os = info.Os,
            LayerDigests = [layer.Digest],
            Component = info.IsComponent ? new WasmComponentInfo { Imports = info.Imports, Exports = info.Exports } : null,
        };
        var configDescriptor = layout.WriteBlob(
            MediaTypes.WasmConfig, JsonSerializer.SerializeToUtf8Bytes(config, ImageJsonContext.Default.WasmArtifactConfig));
        return WriteManifest(layout, configDescriptor, layer);
    }

    // The descriptor deliberately carries no platform: `ctr images import` (containerd 1.6) filters
    // index entries whose platform is not the host's ("image might be filtered out") unless given
    // --all-platforms, while a top-level manifest is never platform-checked, so import, pull and run
    // of a wasi/wasm image then work with plain ctr commands. The platform is in the config.
    private static Descriptor WriteManifest(OciLayout layout, Descriptor config, Descriptor layer)
    {
        var manifest = new ImageManifest { MediaType = MediaTypes.OciManifest, Config = config, Layers = [layer] };
        var bytes = JsonSerializer.SerializeToUtf8Bytes(manifest, ImageJsonContext.Default.ImageManifest);
        return layout.WriteBlob(MediaTypes.OciManifest, bytes);
    }

    private static string FormatTime(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Total bytes of an image: manifest + config + layers (what <c>ctr images ls</c> reports).</summary>
    public static long TotalSize(OciLayout layout, Descriptor manifestDescriptor)
    {
        var manifest = layout.ReadManifest(manifestDescriptor);
        return manifestDescriptor.Size + manifest.Config.Size + manifest.Layers.Sum(l => l.Size);
    }
}
