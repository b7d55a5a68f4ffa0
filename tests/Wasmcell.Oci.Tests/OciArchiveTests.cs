using System.Formats.Tar;
using System.Text.Json;
using Wasmcell.Oci.Images;
using Wasmcell.Oci.Tests.Infrastructure;

namespace Wasmcell.Oci.Tests;

public sealed class OciArchiveTests
{
    [Fact]
    public void Archive_holds_layout_and_index_names_the_image_for_ctr_import()
    {
        using var dir = new TempDir();
        var layout = OciLayout.Create(dir["layout"]);
        var manifest = ImageBuilder.Build(new ImageBuildOptions { ModulePath = WasmSamples.HelloWasm }, layout);
        layout.Tag(manifest, "docker.io/library/hello:v1", "v1");
        OciArchive.Write(layout, dir["hello.tar"]);

        var names = new List<string>();
        using (var reader = new TarReader(File.OpenRead(dir["hello.tar"])))
        {
            while (reader.GetNextEntry() is { } entry)
            {
                names.Add(entry.Name);
            }
        }

        Assert.Contains("oci-layout", names);
        Assert.Contains("index.json", names);
        Assert.Contains("blobs/sha256/" + Digests.Hex(manifest.Digest), names);

        var extracted = OciArchive.Extract(dir["hello.tar"], dir["out"]);
        var index = JsonSerializer.Deserialize<JsonElement>(File.ReadAllBytes(Path.Combine(extracted.Root, "index.json")));
        var entryJson = index.GetProperty("manifests")[0];
        Assert.Equal(manifest.Digest, entryJson.GetProperty("digest").GetString());
        Assert.Equal("docker.io/library/hello:v1", entryJson.GetProperty("annotations").GetProperty("io.containerd.image.name").GetString());
        Assert.Equal("v1", entryJson.GetProperty("annotations").GetProperty("org.opencontainers.image.ref.name").GetString());
        Assert.False(entryJson.TryGetProperty("platform", out _)); // or ctr import filters the wasi/wasm image out
        Assert.Equal(manifest.Digest, extracted.Resolve("v1").Digest);
        Assert.Equal(layout.ReadBlob(manifest.Digest), extracted.ReadBlob(manifest.Digest));
    }

    [Fact]
    public void Archives_of_the_same_image_are_byte_identical()
    {
        using var dir = new TempDir();
        foreach (var name in new[] { "a", "b" })
        {
            var layout = OciLayout.Create(dir[name]);
            layout.Tag(ImageBuilder.Build(new ImageBuildOptions { ModulePath = WasmSamples.HelloWasm }, layout), "docker.io/library/hello:latest", "latest");
            OciArchive.Write(layout, dir[name + ".tar"]);
        }

        Assert.Equal(File.ReadAllBytes(dir["a.tar"]), File.ReadAllBytes(dir["b.tar"]));
    }

    [Fact]
    public void Retagging_replaces_the_old_index_entry()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["f"], "1");
        var layout = OciLayout.Create(dir["layout"]);
        var first = ImageBuilder.Build(new ImageBuildOptions { ModulePath = WasmSamples.HelloWasm }, layout);
        var second = ImageBuilder.Build(new ImageBuildOptions { ModulePath = WasmSamples.HelloWasm, Files = [new LayerEntry("/f", dir["f"], false)] }, layout);
        layout.Tag(first, "docker.io/library/hello:latest", "latest");
        layout.Tag(second, "docker.io/library/hello:latest", "latest");
        Assert.Equal(second.Digest, Assert.Single(layout.Manifests).Digest);
    }
}
