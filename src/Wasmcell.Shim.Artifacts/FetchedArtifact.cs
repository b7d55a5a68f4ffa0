using Wasmcell.Oci.Images;

namespace Wasmcell.Shim.Artifacts;

/// <summary>
/// A Wasm artifact's module written into the bundle: <see cref="Directory"/> is the cell's rootfs (it
/// holds just the module), <see cref="ContainerPath"/> the module as the guest sees it.
/// </summary>
public sealed record FetchedArtifact(string Image, string Directory, string ContainerPath, WasmArtifactInfo Info);
