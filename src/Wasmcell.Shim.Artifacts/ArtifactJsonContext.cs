using System.Text.Json.Serialization;
using Wasmcell.Oci.Images;

namespace Wasmcell.Shim.Artifacts;

// Source-generated (NativeAOT): the documents the artifact walk parses itself; the manifest is
// handed to WasmArtifact.Detect, which parses it with Wasmcell.Oci's own context.
[JsonSerializable(typeof(ImageIndex))]
[JsonSerializable(typeof(ImageManifest))]
public sealed partial class ArtifactJsonContext : JsonSerializerContext;
