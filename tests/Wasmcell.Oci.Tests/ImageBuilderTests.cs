using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using Wasmcell.Oci.Images;
using Wasmcell.Oci.Tests.Infrastructure;

namespace Wasmcell.Oci.Tests;

public sealed class ImageBuilderTests
{
    // The seed's own hello image was 8.2 KiB in total; ours must not be bigger.
    private const long SeedHelloImageBytes = 8396; // 8.2 * 1024, rounded down

    [Fact]
    public void Same_inputs_give_the_same_manifest_digest()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["data.txt"], "some data");
        var options = new ImageBuildOptions
        {
            ModulePath = WasmSamples.HelloWasm,
            Files = [new LayerEntry("/etc/app/data.txt", dir["data.txt"], false)],
            Env = ["A=1"],
        };

        var first = ImageBuilder.Build(options, OciLayout.Create(dir["one"]));
        File.SetLastWriteTimeUtc(dir["data.txt"], DateTime.UtcNow.AddDays(-3)); // host mtimes must not leak in
        var second = ImageBuilder.Build(options, OciLayout.Create(dir["two"]));

        Assert.Equal(first.Digest, second.Digest);
        Assert.Equal(first.Size, second.Size);
    }

    [Fact]
    public void Different_content_gives_a_different_digest()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["a"], "a");
        File.WriteAllText(dir["b"], "b");
        var layout = OciLayout.Create(dir["layout"]);
        var a = ImageBuilder.Build(new ImageBuildOptions { ModulePath = WasmSamples.HelloWasm, Files = [new LayerEntry("/x", dir["a"], false)] }, layout);
        var b = ImageBuilder.Build(new ImageBuildOptions { ModulePath = WasmSamples.HelloWasm, Files = [new LayerEntry("/x", dir["b"], false)] }, layout);
        Assert.NotEqual(a.Digest, b.Digest);
    }

    [Fact]
    public void Plain_image_is_wasi_wasm_with_the_module_as_entrypoint_in_one_normalized_layer()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["index.html"], "<h1>hi</h1>");
        var layout = OciLayout.Create(dir["layout"]);
        var descriptor = ImageBuilder.Build(
            new ImageBuildOptions { ModulePath = WasmSamples.HelloWasm, Files = [new LayerEntry("/html/index.html", dir["index.html"], false)], Env = ["K=V"] },
            layout);

        var manifest = layout.ReadManifest(descriptor);
        Assert.Equal(MediaTypes.OciManifest, manifest.MediaType);
        Assert.Equal(MediaTypes.OciConfig, manifest.Config.MediaType);
        var layer = Assert.Single(manifest.Layers);
        Assert.Equal(MediaTypes.OciLayerTarGzip, layer.MediaType);

        var config = JsonSerializer.Deserialize<JsonElement>(layout.ReadBlob(manifest.Config.Digest));
        Assert.Equal("wasm", config.GetProperty("architecture").GetString());
        Assert.Equal("wasi", config.GetProperty("os").GetString());
        Assert.Equal("/hello.wasm", config.GetProperty("config").GetProperty("Entrypoint")[0].GetString());
        Assert.Equal("K=V", config.GetProperty("config").GetProperty("Env")[0].GetString());

        var gz = layout.ReadBlob(layer.Digest);
        Assert.Equal(new byte[] { 0x1f, 0x8b, 0x08 }, gz[..3]);
        Assert.Equal(new byte[] { 0, 0, 0, 0, 2, 3 }, gz[4..10]); // mtime 0, XFL, OS pinned

        using var tar = new TarReader(new GZipStream(new MemoryStream(gz), CompressionMode.Decompress));
        var entries = new List<TarEntry>();
        while (tar.GetNextEntry(copyData: true) is { } entry)
        {
            entries.Add(entry);
        }

        Assert.Equal(["hello.wasm", "html/", "html/index.html"], entries.Select(e => e.Name));
        Assert.All(entries, e =>
        {
            Assert.Equal(DateTimeOffset.UnixEpoch, e.ModificationTime);
            Assert.Equal(0, e.Uid);
            Assert.Equal(0, e.Gid);
        });
        Assert.Equal(File.ReadAllBytes(WasmSamples.HelloWasm), ReadAll(entries[0].DataStream!));
        Assert.True(entries[0].Mode.HasFlag(UnixFileMode.UserExecute));
        Assert.False(entries[2].Mode.HasFlag(UnixFileMode.UserExecute));

        // diff_id is the digest of the uncompressed tar.
        using var raw = new MemoryStream();
        new GZipStream(new MemoryStream(gz), CompressionMode.Decompress).CopyTo(raw);
        Assert.Equal(Digests.Of(raw.ToArray()), config.GetProperty("rootfs").GetProperty("diff_ids")[0].GetString());
    }

    [Fact]
    public void Uncompressed_layer_is_a_plain_tar()
    {
        using var dir = new TempDir();
        var layout = OciLayout.Create(dir["layout"]);
        var descriptor = ImageBuilder.Build(new ImageBuildOptions { ModulePath = WasmSamples.HelloWasm, Gzip = false }, layout);
        var layer = Assert.Single(layout.ReadManifest(descriptor).Layers);
        Assert.Equal(MediaTypes.OciLayerTar, layer.MediaType);
        using var tar = new TarReader(new MemoryStream(layout.ReadBlob(layer.Digest)));
        Assert.Equal("hello.wasm", tar.GetNextEntry()!.Name);
    }

    [Fact]
    public void Hello_world_image_is_within_the_seed_size()
    {
        using var dir = new TempDir();
        var layout = OciLayout.Create(dir["layout"]);
        var descriptor = ImageBuilder.Build(new ImageBuildOptions { ModulePath = WasmSamples.HelloWasm }, layout);
        var total = ImageBuilder.TotalSize(layout, descriptor);
        Assert.InRange(total, 1, SeedHelloImageBytes);
    }

    [Fact]
    public void Seed_hello_module_as_an_image_is_within_the_seed_size()
    {
        using var dir = new TempDir();
        var layout = OciLayout.Create(dir["layout"]);
        var seedHello = TestData.Path("seed-samples/hello/hello.wasm");
        var descriptor = ImageBuilder.Build(new ImageBuildOptions { ModulePath = seedHello, Entrypoint = ["hello.wasm"] }, layout);
        Assert.InRange(ImageBuilder.TotalSize(layout, descriptor), 1, SeedHelloImageBytes);
    }

    [Fact]
    public void Artifact_of_a_module_has_wasm_config_and_one_wasm_layer()
    {
        using var dir = new TempDir();
        var layout = OciLayout.Create(dir["layout"]);
        var descriptor = ImageBuilder.Build(new ImageBuildOptions { ModulePath = WasmSamples.HelloWasm, Format = ImageFormat.Artifact }, layout);

        var manifest = layout.ReadManifest(descriptor);
        Assert.Equal(MediaTypes.WasmConfig, manifest.Config.MediaType);
        var layer = Assert.Single(manifest.Layers);
        Assert.Equal(MediaTypes.WasmLayer, layer.MediaType);
        Assert.Equal(File.ReadAllBytes(WasmSamples.HelloWasm), layout.ReadBlob(layer.Digest));

        var config = JsonSerializer.Deserialize<JsonElement>(layout.ReadBlob(manifest.Config.Digest));
        Assert.Equal("wasm", config.GetProperty("architecture").GetString());
        Assert.Equal("wasip1", config.GetProperty("os").GetString());
        Assert.Equal(layer.Digest, config.GetProperty("layerDigests")[0].GetString());
        Assert.False(config.TryGetProperty("component", out _));
    }

    [Fact]
    public void Artifact_of_a_component_is_wasip2_and_lists_imports_and_exports()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir["c.wasm"], WasmSamples.TinyComponent());
        var layout = OciLayout.Create(dir["layout"]);
        var descriptor = ImageBuilder.Build(new ImageBuildOptions { ModulePath = dir["c.wasm"], Format = ImageFormat.Artifact }, layout);

        var manifest = layout.ReadManifest(descriptor);
        var config = JsonSerializer.Deserialize<JsonElement>(layout.ReadBlob(manifest.Config.Digest));
        Assert.Equal("wasip2", config.GetProperty("os").GetString());
        Assert.Equal("wasi:cli/stdout@0.2.0", config.GetProperty("component").GetProperty("imports")[0].GetString());
        Assert.Equal("wasi:cli/run@0.2.0", config.GetProperty("component").GetProperty("exports")[0].GetString());
    }

    [Fact]
    public void Build_refuses_a_file_that_is_not_wasm()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["x.wasm"], "#!/bin/sh\necho no\n");
        Assert.Throws<InvalidDataException>(() =>
            ImageBuilder.Build(new ImageBuildOptions { ModulePath = dir["x.wasm"] }, OciLayout.Create(dir["layout"])));
    }

    [Theory]
    [InlineData("/../etc/passwd")]
    [InlineData("/")]
    public void Build_refuses_paths_that_leave_the_rootfs(string path)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["f"], "x");
        Assert.Throws<ArgumentException>(() => ImageBuilder.Build(
            new ImageBuildOptions { ModulePath = WasmSamples.HelloWasm, Files = [new LayerEntry(path, dir["f"], false)] },
            OciLayout.Create(dir["layout"])));
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
