using System.Text.Json;
using Wasmcell.Oci.Images;
using Wasmcell.Oci.RuntimeSpec;
using Wasmcell.Shim.Artifacts;
using Wasmcell.Shim.Containers;

namespace Wasmcell.Shim.Tests.Artifacts;

/// <summary>Create's entrypoint choice: the rootfs first; containerd's artifact only when the rootfs has none.</summary>
public sealed class ArtifactEntrypointTests : IDisposable
{
    private const string Id = "c1";
    private const string ImageName = "example.com/artifact:1";

    private readonly string _bundle = Directory.CreateTempSubdirectory("wasmcell-artifact-entry-").FullName;
    private readonly FakeImageContentSource _source = new();
    private int _connects;

    public ArtifactEntrypointTests() => Directory.CreateDirectory(Rootfs);

    public void Dispose() => Directory.Delete(_bundle, recursive: true);

    private string Rootfs => Path.Join(_bundle, "rootfs");

    private static Spec SpecWith(string cwd, params string[] args) =>
        new() { Process = new Process { Args = [.. args], Cwd = cwd, Env = ["PATH=/bin"] } };

    private static readonly byte[] WasmModule = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0];

    private void AddArtifactImage(byte[] module)
    {
        var layer = _source.AddBlob(MediaTypes.WasmLayer, module, new SortedDictionary<string, string> { ["org.opencontainers.image.title"] = "app.wasm" });
        var config = _source.AddJson(MediaTypes.WasmConfig, $$"""{"architecture":"wasm","os":"wasip1","layerDigests":["{{layer.Digest}}"]}""");
        var manifest = new ImageManifest { MediaType = MediaTypes.OciManifest, Config = config, Layers = [layer] };
        _source.Containers[Id] = ImageName;
        _source.Images[ImageName] = _source.AddBlob(MediaTypes.OciManifest, JsonSerializer.SerializeToUtf8Bytes(manifest, ArtifactJsonContext.Default.ImageManifest));
    }

    // What the fetch helper does (ArtifactModuleFetcher over containerd), over the fake content source.
    private Task<(Entrypoint Entry, string Rootfs)> Resolve(Spec spec, bool containerdKnown = true) =>
        ArtifactEntrypoint.ResolveAsync(spec, Rootfs, Id, _bundle, ShimLog.None, containerdKnown
            ? async cancel =>
            {
                _connects++;
                var fetched = await new ArtifactModuleFetcher(_source).FetchAsync(Id, _bundle, cancel);
                return fetched is null ? null : FetchedModule.From(fetched);
            }
    : null);

    [Fact]
    public async Task Rootfs_entrypoint_is_used_without_asking_containerd()
    {
        File.WriteAllBytes(Path.Join(Rootfs, "hello.wasm"), WasmModule);
        AddArtifactImage(WasmModule);

        var (entry, rootfs) = await Resolve(SpecWith("/", "/hello.wasm"));

        Assert.Equal("/hello.wasm", entry.ContainerPath);
        Assert.Equal(Rootfs, rootfs);
        Assert.Equal(0, _connects);
    }

    [Fact]
    public async Task Empty_args_run_the_artifact_module_from_its_own_directory()
    {
        AddArtifactImage(WasmModule);

        var (entry, rootfs) = await Resolve(SpecWith("/"));

        Assert.Equal(EntrypointKind.Wasm, entry.Kind);
        Assert.Equal("/app.wasm", entry.ContainerPath);
        Assert.Equal(Path.Join(_bundle, ArtifactModuleFetcher.DirectoryName), rootfs);
        Assert.Equal(WasmModule, File.ReadAllBytes(Path.Join(rootfs, "app.wasm")));
    }

    [Fact]
    public async Task Missing_args0_falls_back_to_the_artifact_and_makes_the_cwd_the_cell_preopens()
    {
        AddArtifactImage(WasmModule);

        var (entry, rootfs) = await Resolve(SpecWith("/work", "app.wasm", "--flag"));

        Assert.Equal("/app.wasm", entry.ContainerPath);
        Assert.True(Directory.Exists(Path.Join(rootfs, "work")));
    }

    [Fact]
    public async Task Plain_image_keeps_the_rootfs_error()
    {
        var layer = _source.AddBlob(MediaTypes.OciLayerTarGzip, [0x1f, 0x8b, 0]);
        var config = _source.AddJson(MediaTypes.OciConfig, """{"architecture":"wasm","os":"wasi","rootfs":{"type":"layers","diff_ids":[]}}""");
        var manifest = new ImageManifest { MediaType = MediaTypes.OciManifest, Config = config, Layers = [layer] };
        _source.Containers[Id] = ImageName;
        _source.Images[ImageName] = _source.AddBlob(MediaTypes.OciManifest, JsonSerializer.SerializeToUtf8Bytes(manifest, ArtifactJsonContext.Default.ImageManifest));

        var e = await Assert.ThrowsAsync<FileNotFoundException>(() => Resolve(SpecWith("/", "missing.wasm")));

        Assert.Contains("entrypoint missing.wasm not found", e.Message);
        Assert.Equal(1, _connects);
    }

    [Fact]
    public async Task Without_a_containerd_address_the_rootfs_error_stands()
    {
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => Resolve(SpecWith("/"), containerdKnown: false));

        Assert.Contains("process.args is empty", e.Message);
    }

    [Fact]
    public async Task Rootfs_entrypoint_that_is_not_wasm_is_not_a_reason_to_ask_containerd()
    {
        File.WriteAllText(Path.Join(Rootfs, "app.wasm"), "not a module");
        AddArtifactImage(WasmModule);

        await Assert.ThrowsAsync<InvalidDataException>(() => Resolve(SpecWith("/", "/app.wasm")));

        Assert.Equal(0, _connects);
    }

    [Fact]
    public async Task Artifact_failure_names_both_the_missing_entrypoint_and_the_image()
    {
        AddArtifactImage(WasmModule);
        _source.Blobs.Remove(_source.Images[ImageName].Digest);

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => Resolve(SpecWith("/", "app.wasm")));

        Assert.Contains("entrypoint app.wasm not found", e.Message);
        Assert.Contains(ImageName, e.Message);
        Assert.Contains("not in containerd's content store", e.Message);
    }

    [Fact]
    public async Task Artifact_layer_that_is_not_wasm_is_rejected()
    {
        AddArtifactImage("hello"u8.ToArray());

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => Resolve(SpecWith("/")));

        Assert.Contains("not a WebAssembly module", e.Message);
    }
}
