using System.Text.Json;

namespace Wasmcell.Oci.Images;

/// <summary>Where a Wasm artifact keeps its module, and what its config says about it.</summary>
/// <param name="ModuleLayer">The layer holding the raw <c>.wasm</c> bytes.</param>
/// <param name="Os"><c>wasip1</c> (core module) or <c>wasip2</c> (component); from the config, or <c>wasip1</c> without one.</param>
/// <param name="Component">Imports/exports of a component, when the config lists them.</param>
public sealed record WasmArtifactInfo(Descriptor ModuleLayer, string Os, WasmComponentInfo? Component);

/// <summary>
/// Tells the shim whether an image is an OCI Wasm artifact (CNCF TAG Runtime layout: config
/// <c>application/vnd.wasm.config.v0+json</c>, layers <c>application/wasm</c>) and which layer is the
/// module. A plain <c>wasi/wasm</c> image is not an artifact: its module is a file in the rootfs.
/// </summary>
public static class WasmArtifact
{
    // Layer types of earlier Wasm-in-OCI layouts (runwasi's first OCI builder, wasm-to-oci), accepted
    // so such images still find their module.
    private static readonly string[] LegacyWasmLayerTypes =
    [
        "application/vnd.bytecodealliance.wasm.component.layer.v0+wasm",
        "application/vnd.module.wasm.content.layer.v1+wasm",
        "application/vnd.wasm.content.layer.v1+wasm",
    ];

    /// <summary>
    /// Returns the artifact's module layer, or null when the manifest is not a Wasm artifact. Throws
    /// <see cref="InvalidDataException"/> for a manifest that claims to be one but is malformed
    /// (no module layer, several, a config whose layerDigests disagree), so Create can fail with a reason.
    /// </summary>
    /// <param name="manifestJson">The image manifest.</param>
    /// <param name="configJson">The config blob, when available; checked against the manifest.</param>
    public static WasmArtifactInfo? Detect(ReadOnlySpan<byte> manifestJson, ReadOnlySpan<byte> configJson = default)
    {
        ImageManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(manifestJson, ImageJsonContext.Default.ImageManifest)
                       ?? throw new InvalidDataException("the image manifest is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException("the image manifest is not valid JSON: " + e.Message, e);
        }

        return Detect(manifest, configJson);
    }

    public static WasmArtifactInfo? Detect(ImageManifest manifest, ReadOnlySpan<byte> configJson = default)
    {
        var wasmLayers = manifest.Layers.Where(l => IsWasmLayer(l.MediaType)).ToList();
        var hasWasmConfig = manifest.Config.MediaType == MediaTypes.WasmConfig || manifest.ArtifactType == MediaTypes.WasmConfig;
        if (!hasWasmConfig && wasmLayers.Count == 0)
        {
            return null;
        }

        if (wasmLayers.Count == 0)
        {
            throw new InvalidDataException($"the image has a {MediaTypes.WasmConfig} config but no {MediaTypes.WasmLayer} layer");
        }

        if (wasmLayers.Count > 1)
        {
            throw new InvalidDataException(
                $"the Wasm artifact has {wasmLayers.Count} {MediaTypes.WasmLayer} layers ({string.Join(", ", wasmLayers.Select(l => l.Digest))}); exactly one module is supported");
        }

        var module = wasmLayers[0];
        if (configJson.IsEmpty || !hasWasmConfig)
        {
            return new WasmArtifactInfo(module, "wasip1", null);
        }

        WasmArtifactConfig config;
        try
        {
            config = JsonSerializer.Deserialize(configJson, ImageJsonContext.Default.WasmArtifactConfig)
                     ?? throw new InvalidDataException("the Wasm artifact config is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException("the Wasm artifact config is not valid JSON: " + e.Message, e);
        }

        if (config.Architecture != "wasm")
        {
            throw new InvalidDataException($"the Wasm artifact config says architecture '{config.Architecture}', expected 'wasm'");
        }

        if (config.Os is not ("wasip1" or "wasip2"))
        {
            throw new InvalidDataException($"the Wasm artifact config says os '{config.Os}', expected wasip1 or wasip2");
        }

        var manifestDigests = manifest.Layers.Select(l => l.Digest);
        if (config.LayerDigests is { Count: > 0 } listed && !listed.SequenceEqual(manifestDigests))
        {
            throw new InvalidDataException("the Wasm artifact config's layerDigests do not match the manifest's layers");
        }

        return new WasmArtifactInfo(module, config.Os, config.Component);
    }

    public static bool IsWasmLayer(string mediaType) =>
        mediaType == MediaTypes.WasmLayer || LegacyWasmLayerTypes.Contains(mediaType, StringComparer.Ordinal);
}
