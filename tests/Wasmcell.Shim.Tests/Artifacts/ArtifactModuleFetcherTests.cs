using System.Text;
using System.Text.Json;
using Wasmcell.Oci.Images;
using Wasmcell.Shim.Artifacts;

namespace Wasmcell.Shim.Tests.Artifacts;

public sealed class ArtifactModuleFetcherTests : IDisposable
{
    private const string ContainerId = "c1";
    private const string ImageName = "example.com/app:1";

    private readonly string _bundle = Directory.CreateTempSubdirectory("wasmcell-artifact-test-").FullName;
    private readonly FakeImageContentSource _source = new();

    public void Dispose() => Directory.Delete(_bundle, recursive: true);

    private static byte[] Module(int extra = 100)
    {
        var bytes = new byte[8 + extra];
        "\0asm\u0001\0\0\0"u8.CopyTo(bytes);
        for (var i = 8; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i * 31);
        }
        return bytes;
    }

    /// <summary>Stores an artifact (config + module layer + manifest) and returns the manifest's descriptor and the module layer's.</summary>
    private (Descriptor Manifest, Descriptor Layer) AddArtifact(byte[] module, string? title = "app.wasm")
    {
        var annotations = title is null ? null : new SortedDictionary<string, string> { ["org.opencontainers.image.title"] = title };
        var layer = _source.AddBlob(MediaTypes.WasmLayer, module, annotations);
        var config = _source.AddJson(MediaTypes.WasmConfig,
            $$"""{"architecture":"wasm","os":"wasip1","layerDigests":["{{layer.Digest}}"]}""");
        var manifest = new ImageManifest { MediaType = MediaTypes.OciManifest, ArtifactType = MediaTypes.WasmConfig, Config = config, Layers = [layer] };
        return (_source.AddBlob(MediaTypes.OciManifest, JsonSerializer.SerializeToUtf8Bytes(manifest, ArtifactJsonContext.Default.ImageManifest)), layer);
    }

    private Descriptor AddPlainImage()
    {
        var layer = _source.AddBlob(MediaTypes.OciLayerTarGzip, [0x1f, 0x8b, 1, 2, 3]);
        var config = _source.AddJson(MediaTypes.OciConfig, """{"architecture":"wasm","os":"wasi","rootfs":{"type":"layers","diff_ids":[]}}""");
        var manifest = new ImageManifest { MediaType = MediaTypes.OciManifest, Config = config, Layers = [layer] };
        return _source.AddBlob(MediaTypes.OciManifest, JsonSerializer.SerializeToUtf8Bytes(manifest, ArtifactJsonContext.Default.ImageManifest));
    }

    private void Tag(Descriptor target)
    {
        _source.Containers[ContainerId] = ImageName;
        _source.Images[ImageName] = target;
    }

    private Task<FetchedArtifact?> Fetch(long max = ArtifactModuleFetcher.DefaultMaxModuleBytes) =>
        new ArtifactModuleFetcher(_source, max).FetchAsync(ContainerId, _bundle, CancellationToken.None);

    private string ArtifactDir => Path.Join(_bundle, ArtifactModuleFetcher.DirectoryName);

    [Fact]
    public async Task Artifact_module_is_written_with_its_exact_bytes_as_the_only_file_of_the_cell_rootfs()
    {
        var module = Module(1000);
        Tag(AddArtifact(module).Manifest);

        var fetched = await Fetch();

        Assert.NotNull(fetched);
        Assert.Equal(ImageName, fetched.Image);
        Assert.Equal(ArtifactDir, fetched.Directory);
        Assert.Equal("/app.wasm", fetched.ContainerPath);
        Assert.Equal("wasip1", fetched.Info.Os);
        Assert.Equal(module, File.ReadAllBytes(Path.Join(ArtifactDir, "app.wasm")));
        Assert.Equal(["app.wasm"], Directory.GetFileSystemEntries(ArtifactDir).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("../escape.wasm")]
    [InlineData("notes.txt")]
    public async Task Module_without_a_plain_wasm_title_is_named_module_wasm(string? title)
    {
        var module = Module();
        Tag(AddArtifact(module, title).Manifest);

        var fetched = await Fetch();

        Assert.Equal("/module.wasm", fetched!.ContainerPath);
        Assert.Equal(module, File.ReadAllBytes(Path.Join(ArtifactDir, "module.wasm")));
        Assert.False(File.Exists(Path.Join(_bundle, "escape.wasm")));
    }

    [Fact]
    public async Task Index_target_picks_its_wasm_wasi_entry()
    {
        var module = Module(50);
        var (artifact, _) = AddArtifact(module);
        var plain = AddPlainImage();
        var index = new ImageIndex
        {
            MediaType = MediaTypes.OciIndex,
            Manifests =
            [
                plain with { Platform = new Platform { Architecture = "amd64", Os = "linux" } },
                artifact with { Platform = new Platform { Architecture = "wasm", Os = "wasip1" } },
            ],
        };
        Tag(_source.AddBlob(MediaTypes.OciIndex, JsonSerializer.SerializeToUtf8Bytes(index, ArtifactJsonContext.Default.ImageIndex)));

        var fetched = await Fetch();

        Assert.NotNull(fetched);
        Assert.Equal(module, File.ReadAllBytes(Path.Join(ArtifactDir, "app.wasm")));
        Assert.DoesNotContain(plain.Digest, _source.Reads);
    }

    [Fact]
    public async Task Index_without_a_wasm_entry_is_not_an_artifact()
    {
        var plain = AddPlainImage();
        var index = new ImageIndex
        {
            MediaType = MediaTypes.OciIndex,
            Manifests = [plain with { Platform = new Platform { Architecture = "amd64", Os = "linux" } }],
        };
        Tag(_source.AddBlob(MediaTypes.OciIndex, JsonSerializer.SerializeToUtf8Bytes(index, ArtifactJsonContext.Default.ImageIndex)));

        Assert.Null(await Fetch());
        Assert.False(Directory.Exists(ArtifactDir));
    }

    [Fact]
    public async Task Plain_image_is_not_an_artifact_and_leaves_the_bundle_alone()
    {
        Tag(AddPlainImage());

        Assert.Null(await Fetch());
        Assert.False(Directory.Exists(ArtifactDir));
    }

    [Fact]
    public async Task Container_without_an_image_is_not_an_artifact()
    {
        _source.Containers[ContainerId] = "";

        Assert.Null(await Fetch());
    }

    [Fact]
    public async Task Layer_whose_content_differs_from_its_digest_fails_naming_the_image_and_leaves_no_module()
    {
        var (manifest, layer) = AddArtifact(Module());
        Tag(manifest);
        var tampered = Module();
        tampered[^1] ^= 0xff;
        _source.Blobs[layer.Digest] = tampered;

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => Fetch());

        Assert.Contains(ImageName, e.Message);
        Assert.Contains("does not match its digest", e.Message);
        Assert.Contains(layer.Digest, e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(ArtifactDir));
    }

    [Fact]
    public async Task Missing_module_layer_fails_naming_the_image_and_the_layer()
    {
        var (manifest, layer) = AddArtifact(Module());
        Tag(manifest);
        _source.Blobs.Remove(layer.Digest);

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => Fetch());

        Assert.Contains(ImageName, e.Message);
        Assert.Contains(layer.Digest, e.Message);
        Assert.Contains("not in containerd's content store", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(ArtifactDir));
    }

    [Fact]
    public async Task Module_over_the_limit_fails_before_it_is_read()
    {
        var (manifest, layer) = AddArtifact(Module(100));
        Tag(manifest);

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => Fetch(max: 64));

        Assert.Contains(ImageName, e.Message);
        Assert.Contains("over the 64-byte limit", e.Message);
        Assert.DoesNotContain(layer.Digest, _source.Reads);
    }

    [Fact]
    public async Task Content_longer_than_its_descriptor_is_cut_off()
    {
        var (manifest, layer) = AddArtifact(Module(100));
        Tag(manifest);
        _source.Blobs[layer.Digest] = Module(5000);

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => Fetch());

        Assert.Contains($"longer than the {layer.Size} bytes", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(ArtifactDir));
    }

    [Fact]
    public async Task Artifact_config_that_disagrees_with_the_manifest_fails_as_malformed()
    {
        var layer = _source.AddBlob(MediaTypes.WasmLayer, Module());
        var config = _source.AddJson(MediaTypes.WasmConfig,
            """{"architecture":"wasm","os":"wasip1","layerDigests":["sha256:0000000000000000000000000000000000000000000000000000000000000000"]}""");
        var manifest = new ImageManifest { MediaType = MediaTypes.OciManifest, Config = config, Layers = [layer] };
        Tag(_source.AddBlob(MediaTypes.OciManifest, JsonSerializer.SerializeToUtf8Bytes(manifest, ArtifactJsonContext.Default.ImageManifest)));

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => Fetch());

        Assert.Contains(ImageName, e.Message);
        Assert.Contains("layerDigests", e.Message);
    }

    [Fact]
    public async Task Containerd_error_on_the_container_lookup_fails_naming_the_container()
    {
        _source.ContainerError = new IOException("connection refused");

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => Fetch());

        Assert.Contains(ContainerId, e.Message);
        Assert.Contains("connection refused", e.Message);
    }

    [Fact]
    public async Task Containerd_that_stops_answering_fails_as_a_timeout_naming_the_image()
    {
        Tag(AddArtifact(Module()).Manifest);
        _source.ImagesHang = true;
        using var cancel = new CancellationTokenSource();
        cancel.CancelAfter(TimeSpan.FromMilliseconds(50));

        var e = await Assert.ThrowsAsync<TimeoutException>(() =>
            new ArtifactModuleFetcher(_source).FetchAsync(ContainerId, _bundle, cancel.Token));

        Assert.Contains(ImageName, e.Message);
        Assert.Contains("did not answer in time", e.Message);
    }

    [Fact]
    public async Task Unreachable_containerd_socket_fails_quickly_with_a_reason()
    {
        var socket = Path.Join(_bundle, "no-containerd.sock");
        using var source = new ContainerdContentSource(socket, "default");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        var e = await Assert.ThrowsAsync<InvalidDataException>(() =>
            new ArtifactModuleFetcher(source).FetchAsync(ContainerId, _bundle, timeout.Token));

        Assert.Contains(ContainerId, e.Message);
        Assert.Contains("cannot ask containerd", e.Message);
    }
}
