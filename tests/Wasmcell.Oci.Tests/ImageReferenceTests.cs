using Wasmcell.Oci.Registry;

namespace Wasmcell.Oci.Tests;

public sealed class ImageReferenceTests
{
    [Theory]
    [InlineData("hello", "docker.io", "library/hello", "latest", "docker.io/library/hello:latest")]
    [InlineData("hello:v1", "docker.io", "library/hello", "v1", "docker.io/library/hello:v1")]
    [InlineData("user/app:1.0", "docker.io", "user/app", "1.0", "docker.io/user/app:1.0")]
    [InlineData("127.0.0.1:5000/hello:latest", "127.0.0.1:5000", "hello", "latest", "127.0.0.1:5000/hello:latest")]
    [InlineData("localhost/wctest/pause:1", "localhost", "wctest/pause", "1", "localhost/wctest/pause:1")]
    [InlineData("ghcr.io/org/app", "ghcr.io", "org/app", "latest", "ghcr.io/org/app:latest")]
    [InlineData("localhost:5000/a/b", "localhost:5000", "a/b", "latest", "localhost:5000/a/b:latest")]
    public void Parses_and_normalizes(string text, string registry, string repository, string tag, string full)
    {
        var reference = ImageReference.Parse(text);
        Assert.Equal(registry, reference.Registry);
        Assert.Equal(repository, reference.Repository);
        Assert.Equal(tag, reference.Tag);
        Assert.Equal(full, reference.ToString());
    }

    [Fact]
    public void Digest_reference_has_no_default_tag()
    {
        var digest = "sha256:" + new string('a', 64);
        var reference = ImageReference.Parse("127.0.0.1:5000/hello@" + digest);
        Assert.Null(reference.Tag);
        Assert.Equal(digest, reference.ManifestReference);
    }

    [Theory]
    [InlineData("Hello")]
    [InlineData("hello@sha256:zz")]
    [InlineData("reg.io/app:bad/tag")]
    [InlineData("hello:")]
    public void Rejects_invalid_references(string text)
    {
        Assert.Throws<FormatException>(() => ImageReference.Parse(text));
    }

    [Fact]
    public void Docker_hub_api_host_is_registry_1()
    {
        Assert.Equal("registry-1.docker.io", ImageReference.Parse("hello").ApiHost);
        Assert.Equal("127.0.0.1:5000", ImageReference.Parse("127.0.0.1:5000/x").ApiHost);
    }
}
