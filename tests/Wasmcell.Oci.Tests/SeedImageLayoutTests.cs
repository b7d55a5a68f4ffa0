using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using Wasmcell.Oci.Images;
using Wasmcell.Oci.Tests.Infrastructure;

namespace Wasmcell.Oci.Tests;

/// <summary>
/// The seed's three samples (../shared/testdata/seed-samples) built as images laid out like the
/// originals: FROM scratch, files at /, CMD/ENTRYPOINT as the seed README gives them.
/// </summary>
public sealed class SeedImageLayoutTests
{
    private static string Seed(string path) => TestData.Path(Path.Combine("seed-samples", path));

    [Fact]
    public void Hello_has_cmd_hello_wasm_and_no_entrypoint()
    {
        var (config, files) = Build(new ImageBuildOptions { ModulePath = Seed("hello/hello.wasm"), Cmd = ["hello.wasm"] });
        Assert.Equal(["hello.wasm"], Strings(config.GetProperty("Cmd")));
        Assert.False(config.TryGetProperty("Entrypoint", out _));
        Assert.Equal(["hello.wasm"], files);
    }

    [Fact]
    public void Demo_has_its_entrypoint_with_arguments_and_readme()
    {
        var (config, files) = Build(new ImageBuildOptions
        {
            ModulePath = Seed("demo/demo.wasm"),
            Entrypoint = ["demo.wasm", "README.md", "README.md.out"],
            Files = [new LayerEntry("/README.md", Seed("demo/README.md"), false)],
        });
        Assert.Equal(["demo.wasm", "README.md", "README.md.out"], Strings(config.GetProperty("Entrypoint")));
        Assert.Equal(["README.md", "demo.wasm"], files);
    }

    // The seed's nginx image (docker.io/denverdino/nginxwasm) was 582.7 KiB in total.
    private const long SeedNginxImageBytes = 596_684; // 582.7 * 1024, rounded down

    private static ImageBuildOptions NginxOptions => new()
    {
        ModulePath = Seed("nginx/nginx.wasm"),
        Cmd = ["nginx.wasm", "-p", ".", "-c", "nginx.conf"],
        Files =
        [
            new LayerEntry("/nginx.conf", Seed("nginx/nginx.conf"), false),
            new LayerEntry("/html/index.html", Seed("nginx/html/index.html"), false),
            new LayerEntry("/html/wasmer-logo.png", Seed("nginx/html/wasmer-logo.png"), false),
            // nginx writes its pid file there and exits 1 without it (testdata README).
            LayerEntry.EmptyDirectory("/logs"),
        ],
    };

    [Fact]
    public void Nginx_has_cmd_conf_html_tree_and_an_empty_logs_dir()
    {
        var (config, files) = Build(NginxOptions);
        Assert.Equal(["nginx.wasm", "-p", ".", "-c", "nginx.conf"], Strings(config.GetProperty("Cmd")));
        Assert.Equal(["html/", "html/index.html", "html/wasmer-logo.png", "logs/", "nginx.conf", "nginx.wasm"], files);
    }

    [Fact]
    public void Nginx_image_is_within_the_seed_size()
    {
        using var dir = new TempDir();
        var layout = OciLayout.Create(dir["layout"]);
        var size = ImageBuilder.TotalSize(layout, ImageBuilder.Build(NginxOptions, layout));
        Console.WriteLine($"nginx image: {size} bytes ({size / 1024.0:0.0} KiB; the seed's: 582.7 KiB)");
        Assert.True(size <= SeedNginxImageBytes, $"{size} bytes > the seed's {SeedNginxImageBytes}");
    }

    [Fact]
    public void Module_locator_finds_the_seed_module_named_by_a_relative_cmd()
    {
        using var dir = new TempDir();
        var layout = OciLayout.Create(dir["layout"]);
        var manifest = ImageBuilder.Build(new ImageBuildOptions { ModulePath = Seed("hello/hello.wasm"), Cmd = ["hello.wasm"] }, layout);
        var module = ImageModuleLocator.Find(layout, manifest);
        Assert.Equal("hello.wasm", module.Name);
        Assert.Equal(File.ReadAllBytes(Seed("hello/hello.wasm")), module.Bytes);
    }

    [Fact]
    public void Module_locator_reads_an_artifact_layer()
    {
        using var dir = new TempDir();
        var layout = OciLayout.Create(dir["layout"]);
        var manifest = ImageBuilder.Build(new ImageBuildOptions { ModulePath = WasmSamples.HelloWasm, Format = ImageFormat.Artifact }, layout);
        var module = ImageModuleLocator.Find(layout, manifest);
        Assert.Equal("hello.wasm", module.Name);
        Assert.Equal(File.ReadAllBytes(WasmSamples.HelloWasm), module.Bytes);
    }

    private static (JsonElement Config, List<string> Files) Build(ImageBuildOptions options)
    {
        using var dir = new TempDir();
        var layout = OciLayout.Create(dir["layout"]);
        var manifest = layout.ReadManifest(ImageBuilder.Build(options, layout));
        var config = JsonSerializer.Deserialize<JsonElement>(layout.ReadBlob(manifest.Config.Digest)).GetProperty("config");
        var files = new List<string>();
        using var tar = new TarReader(new GZipStream(new MemoryStream(layout.ReadBlob(manifest.Layers[0].Digest)), CompressionMode.Decompress));
        while (tar.GetNextEntry() is { } entry)
        {
            files.Add(entry.Name);
        }

        return (config, files);
    }

    private static List<string> Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}
