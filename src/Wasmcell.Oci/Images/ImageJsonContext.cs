using System.Text.Json.Serialization;

namespace Wasmcell.Oci.Images;

// Source-generated (NativeAOT-safe) serializers for the image documents. Compact output, nulls
// omitted: the bytes are what gets hashed, so they must not depend on formatting options.
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = false)]
[JsonSerializable(typeof(ImageManifest))]
[JsonSerializable(typeof(ImageIndex))]
[JsonSerializable(typeof(ImageConfig))]
[JsonSerializable(typeof(WasmArtifactConfig))]
[JsonSerializable(typeof(OciLayoutMarker))]
[JsonSerializable(typeof(MediaTypeProbe))]
internal sealed partial class ImageJsonContext : JsonSerializerContext;
