using System.Net;
using Wasmcell.Oci.Images;
using Wasmcell.Oci.Registry;
using Wasmcell.Oci.Tests.Infrastructure;

namespace Wasmcell.Oci.Tests;

/// <summary>A real docker-registry with htpasswd (bcrypt) Basic auth; credentials come from a docker config.json.</summary>
public sealed class RegistryAuthTests(AuthRegistryFixture fixture) : IClassFixture<AuthRegistryFixture>
{
    private readonly LocalRegistry _registry = fixture.Registry;

    [Fact]
    public async Task Push_and_pull_with_credentials_from_docker_config()
    {
        using var dir = new TempDir();
        var auth = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{LocalRegistry.User}:{LocalRegistry.Password}"));
        File.WriteAllText(dir["config.json"], "{\"auths\":{\"" + _registry.Host + "\":{\"auth\":\"" + auth + "\"}}}");
        var credentials = DockerCredentialStore.Load(dir["config.json"]).Find(_registry.Host);
        Assert.NotNull(credentials);

        var source = OciLayout.Create(dir["src"]);
        var built = ImageBuilder.Build(new ImageBuildOptions { ModulePath = WasmSamples.HelloWasm }, source);
        var reference = ImageReference.Parse($"{_registry.Host}/private/hello:1");
        var options = new RegistryClientOptions { Insecure = true, Credentials = credentials };

        Assert.Equal(built.Digest, await ImagePusher.PushAsync(source, built, reference, options, CancellationToken.None));
        var pulled = await ImagePuller.PullAsync(reference, OciLayout.Create(dir["dst"]), options, CancellationToken.None);
        Assert.Equal(built.Digest, pulled.Digest);
    }

    [Fact]
    public async Task Anonymous_access_is_refused_with_401()
    {
        using var dir = new TempDir();
        var e = await Assert.ThrowsAsync<RegistryException>(() => ImagePuller.PullAsync(
            ImageReference.Parse($"{_registry.Host}/private/hello:1"), OciLayout.Create(dir["unused"]),
            new RegistryClientOptions { Insecure = true }, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, e.Status);
    }

    [Fact]
    public async Task Wrong_password_is_refused_with_401()
    {
        using var dir = new TempDir();
        var source = OciLayout.Create(dir["src"]);
        var built = ImageBuilder.Build(new ImageBuildOptions { ModulePath = WasmSamples.HelloWasm }, source);
        var e = await Assert.ThrowsAsync<RegistryException>(() => ImagePusher.PushAsync(
            source, built, ImageReference.Parse($"{_registry.Host}/private/hello:2"),
            new RegistryClientOptions { Insecure = true, Credentials = new RegistryCredentials(LocalRegistry.User, "wrong") }, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, e.Status);
    }
}
