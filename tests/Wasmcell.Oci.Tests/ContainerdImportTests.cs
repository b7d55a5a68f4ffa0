using Wasmcell.Oci.Images;
using Wasmcell.Oci.Registry;
using Wasmcell.Oci.Tests.Infrastructure;

namespace Wasmcell.Oci.Tests;

/// <summary>
/// What containerd 1.6.20 (Debian) makes of our images: `ctr images import` of the archive and
/// `ctr images pull --plain-http` from a real registry, with plain ctr flags (no --all-platforms).
/// </summary>
[Trait("Needs", "root")]
[Trait("Needs", "containerd")]
[Trait("Needs", "registry")]
public sealed class ContainerdImportTests(OpenRegistryFixture registry) : IClassFixture<OpenRegistryFixture>, IAsyncLifetime
{
    private readonly TempDir _dir = new("wasmcell-oci-test-");
    private PrivateContainerd _containerd = null!;

    public async Task InitializeAsync() =>
        _containerd = await PrivateContainerd.StartAsync(new PrivateContainerdOptions { Prefix = "wco" });

    public async Task DisposeAsync()
    {
        await _containerd.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public void Ctr_imports_the_archive_under_its_name_and_unpacks_it()
    {
        var layout = OciLayout.Create(_dir["layout"]);
        var manifest = layout.Tag(ImageBuilder.Build(new ImageBuildOptions { ModulePath = WasmSamples.HelloWasm }, layout), "docker.io/library/hello:v1", "v1");
        OciArchive.Write(layout, _dir["hello.tar"]);

        var output = _containerd.Ctr.Check("images", "import", _dir["hello.tar"]);

        Assert.Contains("unpacking docker.io/library/hello:v1", output);
        Assert.Contains("docker.io/library/hello:v1", _containerd.Ctr.Check("images", "ls", "-q").Split('\n'));
        var list = _containerd.Ctr.Check("images", "ls");
        Assert.Contains(manifest.Digest, list);
        Assert.Contains("wasi/wasm", list);
    }

    [Fact]
    public async Task Ctr_pulls_a_pushed_plain_image_over_plain_http()
    {
        var layout = OciLayout.Create(_dir["layout"]);
        var built = ImageBuilder.Build(new ImageBuildOptions { ModulePath = WasmSamples.HelloWasm }, layout);
        var reference = ImageReference.Parse($"{registry.Registry.Host}/ctr/hello:v1");
        await ImagePusher.PushAsync(layout, built, reference, new RegistryClientOptions { Insecure = true }, CancellationToken.None);

        var output = _containerd.Ctr.Check("images", "pull", "--plain-http", reference.ToString());

        Assert.Contains("unpacking", output);
        Assert.Contains(built.Digest, _containerd.Ctr.Check("images", "ls"));
    }

    [Fact]
    public async Task Ctr_1_6_fetches_an_artifact_but_cannot_unpack_it()
    {
        // containerd learned to skip unpacking non-layer media types in 1.6.25 / 1.7.7; 1.6.20 stores
        // the content and the image record, then fails the unpack. The shim reads the module from
        // the content store, so `ctr content fetch` (or a newer containerd) is the way in.
        var layout = OciLayout.Create(_dir["layout"]);
        var built = ImageBuilder.Build(new ImageBuildOptions { ModulePath = WasmSamples.HelloWasm, Format = ImageFormat.Artifact }, layout);
        var reference = ImageReference.Parse($"{registry.Registry.Host}/ctr/artifact:v1");
        await ImagePusher.PushAsync(layout, built, reference, new RegistryClientOptions { Insecure = true }, CancellationToken.None);

        var pull = Record.Exception(() => _containerd.Ctr.Check("images", "pull", "--plain-http", reference.ToString()));
        if (ServerVersion() < new Version(1, 6, 25))
        {
            Assert.Contains("mismatched image rootfs and manifest layers", Assert.IsType<InvalidOperationException>(pull).Message);
        }
        else
        {
            Assert.Null(pull);
        }

        _containerd.Ctr.Check("content", "fetch", "--plain-http", reference.ToString());
        var layer = layout.ReadManifest(built).Layers[0];
        var stored = _containerd.Ctr.Check("content", "ls");
        Assert.Contains(layer.Digest, stored);
        Assert.Contains(built.Digest, _containerd.Ctr.Check("images", "ls"));
    }

    private Version ServerVersion()
    {
        // "Server:\n  Version:  1.6.20~ds1" -> 1.6.20
        var text = _containerd.Ctr.Check("version");
        var server = text[text.IndexOf("Server:", StringComparison.Ordinal)..];
        var match = System.Text.RegularExpressions.Regex.Match(server, @"Version:\s+v?(\d+)\.(\d+)\.(\d+)");
        Assert.True(match.Success, text);
        return new Version(int.Parse(match.Groups[1].Value), int.Parse(match.Groups[2].Value), int.Parse(match.Groups[3].Value));
    }
}
