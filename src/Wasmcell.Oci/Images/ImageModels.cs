using System.Text.Json.Serialization;

namespace Wasmcell.Oci.Images;

// The JSON documents of the OCI image spec (v1.1) that Wasmcell reads and writes. Property order is
// declaration order, which keeps the serialized bytes (and so the digests) stable.

/// <summary>A content descriptor: what a blob is, its digest and size.</summary>
public sealed record Descriptor
{
    [JsonPropertyName("mediaType")] public required string MediaType { get; init; }
    [JsonPropertyName("digest")] public required string Digest { get; init; }
    [JsonPropertyName("size")] public required long Size { get; init; }
    [JsonPropertyName("artifactType")] public string? ArtifactType { get; init; }
    [JsonPropertyName("platform")] public Platform? Platform { get; init; }
    [JsonPropertyName("annotations")] public SortedDictionary<string, string>? Annotations { get; init; }
}

public sealed record Platform
{
    [JsonPropertyName("architecture")] public required string Architecture { get; init; }
    [JsonPropertyName("os")] public required string Os { get; init; }
}

public sealed class ImageManifest
{
    [JsonPropertyName("schemaVersion")] public int SchemaVersion { get; init; } = 2;
    [JsonPropertyName("mediaType")] public string? MediaType { get; init; }
    [JsonPropertyName("artifactType")] public string? ArtifactType { get; init; }
    [JsonPropertyName("config")] public required Descriptor Config { get; init; }
    [JsonPropertyName("layers")] public required IReadOnlyList<Descriptor> Layers { get; init; }
    [JsonPropertyName("annotations")] public SortedDictionary<string, string>? Annotations { get; init; }
}

public sealed class ImageIndex
{
    [JsonPropertyName("schemaVersion")] public int SchemaVersion { get; init; } = 2;
    [JsonPropertyName("mediaType")] public string? MediaType { get; init; }
    [JsonPropertyName("manifests")] public required IReadOnlyList<Descriptor> Manifests { get; init; }
    [JsonPropertyName("annotations")] public SortedDictionary<string, string>? Annotations { get; init; }
}

/// <summary>The OCI image config (application/vnd.oci.image.config.v1+json) of a plain image.</summary>
public sealed class ImageConfig
{
    [JsonPropertyName("created")] public string? Created { get; init; }
    [JsonPropertyName("architecture")] public required string Architecture { get; init; }
    [JsonPropertyName("os")] public required string Os { get; init; }
    [JsonPropertyName("config")] public ContainerConfig? Config { get; init; }
    [JsonPropertyName("rootfs")] public required RootFs RootFs { get; init; }
}

public sealed class ContainerConfig
{
    [JsonPropertyName("Env")] public IReadOnlyList<string>? Env { get; init; }
    [JsonPropertyName("Entrypoint")] public IReadOnlyList<string>? Entrypoint { get; init; }
    [JsonPropertyName("Cmd")] public IReadOnlyList<string>? Cmd { get; init; }
    [JsonPropertyName("WorkingDir")] public string? WorkingDir { get; init; }
}

public sealed class RootFs
{
    [JsonPropertyName("type")] public string Type { get; init; } = "layers";
    [JsonPropertyName("diff_ids")] public required IReadOnlyList<string> DiffIds { get; init; }
}

/// <summary>The config of an OCI Wasm artifact (application/vnd.wasm.config.v0+json).</summary>
public sealed class WasmArtifactConfig
{
    [JsonPropertyName("created")] public string? Created { get; init; }
    [JsonPropertyName("author")] public string? Author { get; init; }
    [JsonPropertyName("architecture")] public string Architecture { get; init; } = "wasm";
    [JsonPropertyName("os")] public required string Os { get; init; }
    [JsonPropertyName("layerDigests")] public required IReadOnlyList<string> LayerDigests { get; init; }
    [JsonPropertyName("component")] public WasmComponentInfo? Component { get; init; }
}

public sealed class WasmComponentInfo
{
    [JsonPropertyName("exports")] public IReadOnlyList<string> Exports { get; init; } = [];
    [JsonPropertyName("imports")] public IReadOnlyList<string> Imports { get; init; } = [];
    [JsonPropertyName("target")] public string? Target { get; init; }
}

/// <summary>The <c>oci-layout</c> marker file of an image layout directory.</summary>
public sealed class OciLayoutMarker
{
    [JsonPropertyName("imageLayoutVersion")] public string ImageLayoutVersion { get; init; } = "1.0.0";
}

/// <summary>Just the fields needed to tell a manifest from an index before parsing it fully.</summary>
public sealed class MediaTypeProbe
{
    [JsonPropertyName("mediaType")] public string? MediaType { get; init; }
    [JsonPropertyName("manifests")] public System.Text.Json.JsonElement? Manifests { get; init; }
    [JsonPropertyName("config")] public System.Text.Json.JsonElement? Config { get; init; }
}
