namespace Wasmcell.Oci.Images;

public enum ImageFormat
{
    /// <summary>A plain <c>wasi/wasm</c> image: one tar layer, entrypoint the module (runs on every containerd).</summary>
    Image,

    /// <summary>An OCI Wasm artifact: a <c>application/vnd.wasm.config.v0+json</c> config and one <c>application/wasm</c> layer.</summary>
    Artifact,
}

/// <summary>What <c>wasmcell build</c> was asked to make.</summary>
public sealed class ImageBuildOptions
{
    public required string ModulePath { get; init; }

    /// <summary>Where the module lands in the image; default <c>/&lt;file name&gt;</c>.</summary>
    public string? ModuleImagePath { get; init; }

    public ImageFormat Format { get; init; } = ImageFormat.Image;

    /// <summary>Extra files (plain images only).</summary>
    public IReadOnlyList<LayerEntry> Files { get; init; } = [];

    /// <summary>Entrypoint; default: the module's image path when <see cref="Cmd"/> is not given either.</summary>
    public IReadOnlyList<string>? Entrypoint { get; init; }

    public IReadOnlyList<string>? Cmd { get; init; }

    public IReadOnlyList<string> Env { get; init; } = [];

    public string? WorkingDir { get; init; }

    /// <summary>gzip the layer (default) or store it as a plain tar.</summary>
    public bool Gzip { get; init; } = true;

    /// <summary>The <c>created</c> time written into the config; fixed (epoch, or SOURCE_DATE_EPOCH) so builds are reproducible.</summary>
    public DateTimeOffset Created { get; init; } = DateTimeOffset.UnixEpoch;
}
