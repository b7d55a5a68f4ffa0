using Wasmcell.Oci.Images;
using Wasmcell.Oci.Registry;
using Wasmcell.Oci.Tests.Infrastructure;

namespace Wasmcell.Oci.Tests.EndToEnd;

/// <summary>
/// One registry on 127.0.0.1 and one private containerd with the shim installed and its own precompile
/// cache for all end-to-end tests, which run one after another (one collection): each test uses its own
/// image names and container ids.
/// </summary>
public sealed class EndToEndFixture : IAsyncLifetime
{
    private readonly LocalRegistry _registry = new(htpasswd: false);
    private PrivateContainerd? _containerd;

    public PrivateContainerd Containerd => _containerd ?? throw new InvalidOperationException("EndToEndFixture not initialized");

    public async Task InitializeAsync()
    {
        try
        {
            _containerd = await PrivateContainerd.StartAsync(
                new PrivateContainerdOptions { Prefix = "wce", Namespace = "wce", InstallShim = true, PrivatePrecompileCache = true });
        }
        catch
        {
            _registry.Dispose();
            throw;
        }
    }

    /// <summary>host:port of the registry.</summary>
    public string RegistryHost => _registry.Host;

    /// <summary>Builds an image with the library (as `wasmcell build` does) and pushes it over plain HTTP; returns the reference.</summary>
    public string BuildAndPush(ImageBuildOptions options, string repositoryAndTag)
    {
        using var dir = new TempDir();
        var layout = OciLayout.Create(dir["layout"]);
        var reference = ImageReference.Parse($"{RegistryHost}/{repositoryAndTag}");
        var manifest = layout.Tag(ImageBuilder.Build(options, layout), reference.ToString(), reference.Tag);
        ImagePusher.PushAsync(layout, manifest, reference, new RegistryClientOptions { Insecure = true }, CancellationToken.None).GetAwaiter().GetResult();
        return reference.ToString();
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (_containerd is not null)
            {
                await _containerd.DisposeAsync();
            }
        }
        finally
        {
            _registry.Dispose();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class EndToEndCollection : ICollectionFixture<EndToEndFixture>
{
    public const string Name = "EndToEnd: registry + containerd + shim";
}
