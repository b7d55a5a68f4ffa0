namespace Wasmcell.IntegrationTests.Infrastructure;

/// <summary>All integration tests share one private containerd and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class PrivateContainerdCollection : ICollectionFixture<PrivateContainerd>
{
    public const string Name = "private containerd";
}
