namespace Wasmcell.Oci.Images;

/// <summary>Media types of the OCI image spec, Docker's v2 schema 2, and the CNCF Wasm artifact layout.</summary>
public static class MediaTypes
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string OciLayerTar = "application/vnd.oci.image.layer.v1.tar";
    public const string OciLayerTarGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";
    public const string DockerLayerTarGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";

    /// <summary>Config of an OCI Wasm artifact (CNCF TAG Runtime "wasm-oci-artifact" layout).</summary>
    public const string WasmConfig = "application/vnd.wasm.config.v0+json";

    /// <summary>The one layer of a Wasm artifact: the raw module or component bytes.</summary>
    public const string WasmLayer = "application/wasm";

    public static bool IsManifest(string? mediaType) => mediaType is OciManifest or DockerManifest;

    public static bool IsIndex(string? mediaType) => mediaType is OciIndex or DockerManifestList;

    public static bool IsGzipLayer(string mediaType) => mediaType is OciLayerTarGzip or DockerLayerTarGzip;
}
