using System.Text;
using Wasmcell.Oci.Images;

namespace Wasmcell.Oci.Tests;

public sealed class WasmArtifactTests
{
    private const string LayerDigest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string ConfigDigest = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    private static byte[] Manifest(string configType, params (string Type, string Digest)[] layers) => Encoding.UTF8.GetBytes(
        $$"""
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
         "config":{"mediaType":"{{configType}}","digest":"{{ConfigDigest}}","size":100},
         "layers":[{{string.Join(',', layers.Select(l => $$"""{"mediaType":"{{l.Type}}","digest":"{{l.Digest}}","size":4012}"""))}}]}
        """);

    private static byte[] Config(string os, string layerDigest, string arch = "wasm") => Encoding.UTF8.GetBytes(
        $$"""{"created":"1970-01-01T00:00:00Z","architecture":"{{arch}}","os":"{{os}}","layerDigests":["{{layerDigest}}"]}""");

    [Fact]
    public void Wasm_artifact_is_detected_and_names_its_module_layer()
    {
        var info = WasmArtifact.Detect(Manifest(MediaTypes.WasmConfig, (MediaTypes.WasmLayer, LayerDigest)), Config("wasip1", LayerDigest));
        Assert.NotNull(info);
        Assert.Equal(LayerDigest, info.ModuleLayer.Digest);
        Assert.Equal("wasip1", info.Os);
    }

    [Fact]
    public void Component_artifact_reports_wasip2_and_its_world()
    {
        var config = Encoding.UTF8.GetBytes(
            $$$"""{"architecture":"wasm","os":"wasip2","layerDigests":["{{{LayerDigest}}}"],"component":{"exports":["wasi:http/incoming-handler@0.2.0"],"imports":["wasi:io/streams@0.2.0"],"target":"wasi:http/proxy@0.2.0"}}""");
        var info = WasmArtifact.Detect(Manifest(MediaTypes.WasmConfig, (MediaTypes.WasmLayer, LayerDigest)), config);
        Assert.Equal("wasip2", info!.Os);
        Assert.Equal(["wasi:http/incoming-handler@0.2.0"], info.Component!.Exports);
        Assert.Equal("wasi:http/proxy@0.2.0", info.Component.Target);
    }

    [Fact]
    public void Plain_wasi_wasm_image_is_not_an_artifact()
    {
        Assert.Null(WasmArtifact.Detect(Manifest(MediaTypes.OciConfig, (MediaTypes.OciLayerTarGzip, LayerDigest))));
    }

    [Fact]
    public void Manifest_without_config_blob_still_finds_the_layer()
    {
        var info = WasmArtifact.Detect(Manifest(MediaTypes.WasmConfig, (MediaTypes.WasmLayer, LayerDigest)));
        Assert.Equal(LayerDigest, info!.ModuleLayer.Digest);
    }

    [Fact]
    public void Legacy_wasm_layer_type_is_accepted()
    {
        var info = WasmArtifact.Detect(Manifest(MediaTypes.OciConfig, ("application/vnd.bytecodealliance.wasm.component.layer.v0+wasm", LayerDigest)));
        Assert.Equal(LayerDigest, info!.ModuleLayer.Digest);
    }

    [Fact]
    public void Wasm_config_without_wasm_layer_is_an_error()
    {
        var e = Assert.Throws<InvalidDataException>(() => WasmArtifact.Detect(Manifest(MediaTypes.WasmConfig, (MediaTypes.OciLayerTar, LayerDigest))));
        Assert.Contains("no application/wasm layer", e.Message);
    }

    [Fact]
    public void Two_modules_are_an_error()
    {
        const string other = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
        Assert.Throws<InvalidDataException>(() =>
            WasmArtifact.Detect(Manifest(MediaTypes.WasmConfig, (MediaTypes.WasmLayer, LayerDigest), (MediaTypes.WasmLayer, other))));
    }

    [Fact]
    public void Config_whose_layer_digests_disagree_is_an_error()
    {
        const string other = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
        var e = Assert.Throws<InvalidDataException>(() =>
            WasmArtifact.Detect(Manifest(MediaTypes.WasmConfig, (MediaTypes.WasmLayer, LayerDigest)), Config("wasip1", other)));
        Assert.Contains("layerDigests", e.Message);
    }

    [Theory]
    [InlineData("linux", "wasm")]
    [InlineData("wasip1", "amd64")]
    public void Config_with_wrong_platform_is_an_error(string os, string arch)
    {
        Assert.Throws<InvalidDataException>(() =>
            WasmArtifact.Detect(Manifest(MediaTypes.WasmConfig, (MediaTypes.WasmLayer, LayerDigest)), Config(os, LayerDigest, arch)));
    }

    [Fact]
    public void Garbage_manifest_is_an_error_not_a_crash()
    {
        Assert.Throws<InvalidDataException>(() => WasmArtifact.Detect("{not json"u8));
    }
}
