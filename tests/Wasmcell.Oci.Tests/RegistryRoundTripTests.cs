using Wasmcell.Oci.Images;
using Wasmcell.Oci.Registry;
using Wasmcell.Oci.Tests.Infrastructure;

namespace Wasmcell.Oci.Tests;

/// <summary>Against a real docker-registry (distribution 2.8) on 127.0.0.1, plain HTTP (Insecure).</summary>
public sealed class RegistryRoundTripTests(OpenRegistryFixture fixture) : IClassFixture<OpenRegistryFixture>
{
    private readonly LocalRegistry _registry = fixture.Registry;

    [Theory]
    [InlineData(ImageFormat.Image)]
    [InlineData(ImageFormat.Artifact)]
    public async Task Build_push_pull_gives_identical_digests_and_bytes(ImageFormat format)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["data.txt"], "payload");
        var source = OciLayout.Create(dir["src"]);
        var built = ImageBuilder.Build(
            new ImageBuildOptions
            {
                ModulePath = WasmSamples.HelloWasm,
                Format = format,
                Files = format == ImageFormat.Image ? [new LayerEntry("/data.txt", dir["data.txt"], false)] : [],
            },
            source);
        var reference = ImageReference.Parse($"{_registry.Host}/roundtrip/{format.ToString().ToLowerInvariant()}:v1");

        var pushed = await ImagePusher.PushAsync(source, built, reference, new RegistryClientOptions { Insecure = true }, CancellationToken.None);
        Assert.Equal(built.Digest, pushed);

        var target = OciLayout.Create(dir["dst"]);
        var pulled = await ImagePuller.PullAsync(reference, target, new RegistryClientOptions { Insecure = true }, CancellationToken.None);
        Assert.Equal(built.Digest, pulled.Digest);
        Assert.Equal(reference.ToString(), target.Resolve(reference.ToString()).Annotations![OciLayout.ContainerdImageNameAnnotation]);

        var manifest = source.ReadManifest(built);
        foreach (var blob in manifest.Layers.Append(manifest.Config))
        {
            Assert.Equal(source.ReadBlob(blob.Digest), target.ReadBlob(blob.Digest));
        }

        // Pull by digest resolves to the same manifest.
        var byDigest = ImageReference.Parse($"{_registry.Host}/roundtrip/{format.ToString().ToLowerInvariant()}@{built.Digest}");
        var again = await ImagePuller.PullAsync(byDigest, OciLayout.Create(dir["dst2"]), new RegistryClientOptions { Insecure = true }, CancellationToken.None);
        Assert.Equal(built.Digest, again.Digest);
    }

    [Fact]
    public async Task Large_blob_goes_up_in_patch_chunks_and_comes_back_intact()
    {
        using var dir = new TempDir();
        var payload = new byte[300_000];
        new Random(42).NextBytes(payload);
        File.WriteAllBytes(dir["big.bin"], payload);
        var source = OciLayout.Create(dir["src"]);
        var built = ImageBuilder.Build(
            new ImageBuildOptions { ModulePath = WasmSamples.HelloWasm, Files = [new LayerEntry("/big.bin", dir["big.bin"], false)], Gzip = false },
            source);
        var layer = source.ReadManifest(built).Layers[0];
        Assert.True(layer.Size > 200_000);

        using var handler = new CountingHandler();
        var progress = new List<TransferProgress>();
        var options = new RegistryClientOptions { Insecure = true, ChunkSize = 64 * 1024, Handler = handler, Progress = new SyncProgress(progress) };
        var reference = ImageReference.Parse($"{_registry.Host}/chunked/app:1");
        await ImagePusher.PushAsync(source, built, reference, options, CancellationToken.None);

        var expectedChunks = (int)((layer.Size + options.ChunkSize - 1) / options.ChunkSize);
        Assert.Equal(expectedChunks, handler.Count("PATCH", "/v2/chunked/app/blobs/uploads/"));
        Assert.Contains(progress, p => p.Digest == layer.Digest && p.Transferred == layer.Size && p.Total == layer.Size);

        var target = OciLayout.Create(dir["dst"]);
        await ImagePuller.PullAsync(reference, target, new RegistryClientOptions { Insecure = true }, CancellationToken.None);
        Assert.Equal(source.ReadBlob(layer.Digest), target.ReadBlob(layer.Digest));
    }

    [Fact]
    public async Task Second_push_skips_blobs_the_registry_already_has()
    {
        using var dir = new TempDir();
        var source = OciLayout.Create(dir["src"]);
        var built = ImageBuilder.Build(new ImageBuildOptions { ModulePath = WasmSamples.HelloWasm }, source);
        var reference = ImageReference.Parse($"{_registry.Host}/skip/app:1");
        await ImagePusher.PushAsync(source, built, reference, new RegistryClientOptions { Insecure = true }, CancellationToken.None);

        using var handler = new CountingHandler();
        await ImagePusher.PushAsync(source, built, ImageReference.Parse($"{_registry.Host}/skip/app:2"),
            new RegistryClientOptions { Insecure = true, Handler = handler }, CancellationToken.None);

        Assert.Equal(2, handler.Count("HEAD", "/v2/skip/app/blobs/"));
        Assert.Equal(0, handler.Count("POST", "/blobs/uploads/"));
        Assert.Equal(1, handler.Count("PUT", "/v2/skip/app/manifests/2"));
    }

    [Fact]
    public async Task Blob_existence_check_tells_present_from_absent()
    {
        using var dir = new TempDir();
        var source = OciLayout.Create(dir["src"]);
        var built = ImageBuilder.Build(new ImageBuildOptions { ModulePath = WasmSamples.HelloWasm }, source);
        var reference = ImageReference.Parse($"{_registry.Host}/exists/app:1");
        await ImagePusher.PushAsync(source, built, reference, new RegistryClientOptions { Insecure = true }, CancellationToken.None);

        using var client = RegistryClient.For(reference, push: false, new RegistryClientOptions { Insecure = true });
        Assert.True(await client.BlobExistsAsync(source.ReadManifest(built).Config.Digest, CancellationToken.None));
        Assert.False(await client.BlobExistsAsync(Digests.Of("not uploaded"u8), CancellationToken.None));
    }

    [Fact]
    public async Task Registry_refuses_a_blob_whose_bytes_do_not_match_the_digest()
    {
        using var client = new RegistryClient(_registry.Host, "bad/blob", push: true, new RegistryClientOptions { Insecure = true });
        var lie = new Descriptor { MediaType = "application/octet-stream", Digest = Digests.Of("one"u8), Size = 3 };
        var e = await Assert.ThrowsAsync<RegistryException>(() =>
            client.UploadBlobMonolithicAsync(lie, () => new MemoryStream("two"u8.ToArray()), CancellationToken.None));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, e.Status);
    }

    [Fact]
    public async Task Missing_manifest_is_a_404_registry_error()
    {
        using var dir = new TempDir();
        var e = await Assert.ThrowsAsync<RegistryException>(() => ImagePuller.PullAsync(
            ImageReference.Parse($"{_registry.Host}/nothing/here:v0"), OciLayout.Create(dir["unused"]),
            new RegistryClientOptions { Insecure = true }, CancellationToken.None));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, e.Status);
    }

    [Fact]
    public async Task Without_insecure_the_client_speaks_https_and_fails_against_a_plain_http_registry()
    {
        using var dir = new TempDir();
        var source = OciLayout.Create(dir["src"]);
        var built = ImageBuilder.Build(new ImageBuildOptions { ModulePath = WasmSamples.HelloWasm }, source);
        using var handler = new CountingHandler();
        await Assert.ThrowsAsync<HttpRequestException>(() => ImagePusher.PushAsync(
            source, built, ImageReference.Parse($"{_registry.Host}/tls/app:1"), new RegistryClientOptions { Handler = handler }, CancellationToken.None));
    }

    private sealed class SyncProgress(List<TransferProgress> sink) : IProgress<TransferProgress>
    {
        public void Report(TransferProgress value)
        {
            lock (sink)
            {
                sink.Add(value);
            }
        }
    }
}
