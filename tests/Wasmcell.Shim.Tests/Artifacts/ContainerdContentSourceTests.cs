using System.Formats.Tar;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Wasmcell.Oci.Images;
using Wasmcell.Shim.Artifacts;

namespace Wasmcell.Shim.Tests.Artifacts;

/// <summary>
/// The gRPC client against a real (private) containerd 1.6, which cannot pull or unpack Wasm artifacts
/// but stores them: the artifact goes in with <c>ctr images import --no-unpack</c>, and the shim's
/// Images.Get and Content.Read must bring its module back byte for byte. Needs root (containerd).
/// ctr 1.6 cannot create a container record for an image it cannot unpack, so the artifact runs fake
/// only the container → image step; Containers.Get is proven on a container of a plain image.
/// </summary>
[Trait("Needs", "root")]
[Trait("Needs", "containerd")]
public sealed class ContainerdContentSourceTests : IClassFixture<ContainerdContentSourceTests.Imported>, IDisposable
{
    private const string ImageName = "example.com/wasmcell/artifact:1";
    private const string IndexName = "example.com/wasmcell/artifact-index:1";
    private const string PlainImageName = "example.com/wasmcell/plain:1";
    private const string PlainContainer = "plain-c1";

    private readonly Imported _containerd;
    private readonly string _bundle = Directory.CreateTempSubdirectory("wasmcell-artifact-real-").FullName;

    public ContainerdContentSourceTests(Imported containerd) => _containerd = containerd;

    public void Dispose() => Directory.Delete(_bundle, recursive: true);

    /// <summary>One private containerd holding one artifact, as its manifest and (via --index-name) as an index.</summary>
    public sealed class Imported : IAsyncLifetime
    {
        private PrivateContainerd? _containerd;

        public Imported()
        {
            Module = new byte[70_000];
            "\0asm\u0001\0\0\0"u8.CopyTo(Module);
            new Random(5).NextBytes(Module.AsSpan(8));
        }

        public PrivateContainerd Containerd => _containerd ?? throw new InvalidOperationException("not initialized");

        public byte[] Module { get; }

        public async Task InitializeAsync()
        {
            _containerd = await PrivateContainerd.StartAsync(new PrivateContainerdOptions { Prefix = "wca", Namespace = "wcartifact" });
            var tar = Path.Join(Containerd.Dir, "artifact.tar");
            WriteOciArchive(tar, Module);
            Containerd.Ctr.Check("images", "import", "--no-unpack", "--all-platforms", "--index-name", IndexName, tar);
            var plain = Path.Join(Containerd.Dir, "plain.tar");
            WritePlainImage(plain);
            Containerd.Ctr.Check("images", "import", plain);
            Containerd.Ctr.Check("containers", "create", PlainImageName, PlainContainer);
        }

        public async Task DisposeAsync()
        {
            if (_containerd is not null)
            {
                await _containerd.DisposeAsync();
            }
        }

        /// <summary>A one-file linux/amd64 image: ctr 1.6 unpacks it, so a real container record can name it.</summary>
        private static void WritePlainImage(string path)
        {
            var layerTar = new MemoryStream();
            using (var layerWriter = new TarWriter(layerTar, TarEntryFormat.Pax, leaveOpen: true))
            {
                layerWriter.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "hello.txt") { DataStream = new MemoryStream("hi\n"u8.ToArray()) });
            }
            var blobs = new Dictionary<string, byte[]>();
            Descriptor Add(string mediaType, byte[] content, SortedDictionary<string, string>? annotations = null)
            {
                var digest = Digests.Of(content);
                blobs[digest] = content;
                return new Descriptor { MediaType = mediaType, Digest = digest, Size = content.Length, Annotations = annotations };
            }
            var layer = Add(MediaTypes.OciLayerTar, layerTar.ToArray());
            var config = Add(MediaTypes.OciConfig, Encoding.UTF8.GetBytes(
                $$$"""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["{{{layer.Digest}}}"]}}"""));
            var manifestJson = JsonSerializer.SerializeToUtf8Bytes(
                new ImageManifest { MediaType = MediaTypes.OciManifest, Config = config, Layers = [layer] }, ArtifactJsonContext.Default.ImageManifest);
            var manifest = Add(MediaTypes.OciManifest, manifestJson,
                new SortedDictionary<string, string> { ["io.containerd.image.name"] = PlainImageName, ["org.opencontainers.image.ref.name"] = "1" });
            WriteLayout(path, new ImageIndex { MediaType = MediaTypes.OciIndex, Manifests = [manifest] }, blobs);
        }

        private static void WriteOciArchive(string path, byte[] module)
        {
            var blobs = new Dictionary<string, byte[]>();
            Descriptor Add(string mediaType, byte[] content, SortedDictionary<string, string>? annotations = null, Platform? platform = null)
            {
                var digest = Digests.Of(content);
                blobs[digest] = content;
                return new Descriptor { MediaType = mediaType, Digest = digest, Size = content.Length, Annotations = annotations, Platform = platform };
            }
            var layer = Add(MediaTypes.WasmLayer, module, new SortedDictionary<string, string> { ["org.opencontainers.image.title"] = "app.wasm" });
            var config = Add(MediaTypes.WasmConfig, Encoding.UTF8.GetBytes($$"""{"architecture":"wasm","os":"wasip1","layerDigests":["{{layer.Digest}}"]}"""));
            var manifestJson = JsonSerializer.SerializeToUtf8Bytes(
                new ImageManifest { MediaType = MediaTypes.OciManifest, ArtifactType = MediaTypes.WasmConfig, Config = config, Layers = [layer] },
                ArtifactJsonContext.Default.ImageManifest);
            var manifest = Add(MediaTypes.OciManifest, manifestJson,
                new SortedDictionary<string, string> { ["io.containerd.image.name"] = ImageName, ["org.opencontainers.image.ref.name"] = "1" },
                new Platform { Architecture = "wasm", Os = "wasip1" });
            WriteLayout(path, new ImageIndex { MediaType = MediaTypes.OciIndex, Manifests = [manifest] }, blobs);
        }

        private static void WriteLayout(string path, ImageIndex index, Dictionary<string, byte[]> blobs)
        {
            using var file = File.Create(path);
            using var writer = new TarWriter(file, TarEntryFormat.Pax);
            void Put(string name, byte[] content) =>
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });
            Put("oci-layout", """{"imageLayoutVersion":"1.0.0"}"""u8.ToArray());
            Put("index.json", JsonSerializer.SerializeToUtf8Bytes(index, ArtifactJsonContext.Default.ImageIndex));
            foreach (var (digest, content) in blobs)
            {
                Put("blobs/sha256/" + Digests.Hex(digest), content);
            }
        }
    }

    /// <summary>containerd for everything but the container record, which names <paramref name="image"/>.</summary>
    private sealed class ContainerOf(IImageContentSource real, string image) : IImageContentSource
    {
        public Task<string> GetContainerImageAsync(string containerId, CancellationToken cancel) => Task.FromResult(image);

        public Task<Descriptor> GetImageTargetAsync(string imageName, CancellationToken cancel) => real.GetImageTargetAsync(imageName, cancel);

        public IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAsync(string digest, CancellationToken cancel) => real.ReadAsync(digest, cancel);
    }

    private static CancellationToken TenSeconds() => new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token;

    [Theory]
    [InlineData(ImageName)]
    [InlineData(IndexName)]
    public async Task Artifact_module_comes_back_from_containerds_content_store(string image)
    {
        using var source = new ContainerdContentSource(_containerd.Containerd.Address, _containerd.Containerd.Namespace);
        var target = await source.GetImageTargetAsync(image, TenSeconds());
        Assert.Equal(image == IndexName ? MediaTypes.OciIndex : MediaTypes.OciManifest, target.MediaType);

        var fetched = await new ArtifactModuleFetcher(new ContainerOf(source, image)).FetchAsync("c1", _bundle, TenSeconds());

        Assert.NotNull(fetched);
        Assert.Equal("/app.wasm", fetched.ContainerPath);
        Assert.Equal(_containerd.Module, File.ReadAllBytes(Path.Join(fetched.Directory, "app.wasm")));
    }

    [Fact]
    public async Task Images_are_looked_up_in_the_containers_namespace()
    {
        using var source = new ContainerdContentSource(_containerd.Containerd.Address, "some-other-namespace");

        var e = await Assert.ThrowsAsync<InvalidDataException>(() =>
            new ArtifactModuleFetcher(new ContainerOf(source, ImageName)).FetchAsync("c1", _bundle, TenSeconds()));

        Assert.Contains(ImageName, e.Message);
        Assert.Contains("has no image named", e.Message);
    }

    [Fact]
    public async Task Container_record_names_its_image()
    {
        using var source = new ContainerdContentSource(_containerd.Containerd.Address, _containerd.Containerd.Namespace);

        Assert.Equal(PlainImageName, await source.GetContainerImageAsync(PlainContainer, TenSeconds()));
    }

    [Fact]
    public async Task Container_of_a_plain_image_is_not_an_artifact()
    {
        using var source = new ContainerdContentSource(_containerd.Containerd.Address, _containerd.Containerd.Namespace);

        Assert.Null(await new ArtifactModuleFetcher(source).FetchAsync(PlainContainer, _bundle, TenSeconds()));
        Assert.False(Directory.Exists(Path.Join(_bundle, ArtifactModuleFetcher.DirectoryName)));
    }

    [Fact]
    public async Task Missing_container_record_fails_naming_the_container()
    {
        using var source = new ContainerdContentSource(_containerd.Containerd.Address, _containerd.Containerd.Namespace);

        var e = await Assert.ThrowsAsync<InvalidDataException>(() =>
            new ArtifactModuleFetcher(source).FetchAsync("no-such-container", _bundle, TenSeconds()));

        Assert.Contains("no-such-container", e.Message);
        Assert.Contains("NotFound", e.Message);
    }

    /// <summary>
    /// The published helper the daemon runs for artifacts (ArtifactFetchProcess) against real containerd: a
    /// plain image is no artifact (exit 0, no record), a missing container is exit 3 naming it. (The artifact
    /// itself cannot be named by a container record here: ctr 1.6 cannot make one and our API subset has no
    /// Containers.Create; the fetch it runs is proven above, the record it writes in FetchedModuleTests.)
    /// Needs artifacts/shim from scripts/publish.sh (scripts/test.sh runs it first).
    /// </summary>
    [Fact]
    public void Fetch_helper_binary_talks_to_containerd_and_answers_by_exit_code_and_record()
    {
        var helper = PublishedFetchHelper();

        var (code, stderr) = RunHelper(helper, PlainContainer);
        Assert.True(code == 0, $"exit {code}: {stderr}");
        Assert.Null(FetchedModule.ReadFrom(FetchedModule.FileIn(_bundle)));

        (code, stderr) = RunHelper(helper, "no-such-container");
        Assert.Equal(3, code);
        Assert.Contains("no-such-container", stderr);
        Assert.Contains("NotFound", stderr);
    }

    private (int Code, string Stderr) RunHelper(string helper, string container)
    {
        var run = CommandRunner.Run(helper, [_containerd.Containerd.Address, _containerd.Containerd.Namespace, container, _bundle], TimeSpan.FromSeconds(30));
        Assert.False(run.TimedOut, "the fetch helper did not finish in 30 s");
        return (run.ExitCode, run.Stderr);
    }

    private static string PublishedFetchHelper()
    {
        var helper = Path.Join(ShimBinary.EnsurePublished(), ShimBinary.FetchFileName);
        Assert.True(File.Exists(helper), $"{helper} is missing: run scripts/publish.sh (scripts/test.sh does)");
        return helper;
    }
}
