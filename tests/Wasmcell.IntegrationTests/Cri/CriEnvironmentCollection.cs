namespace Wasmcell.IntegrationTests.Cri;

/// <summary>Tests that drive the CRI of one shared private containerd (one per run: the bridge name is fixed).</summary>
[CollectionDefinition(Name)]
public sealed class CriEnvironmentCollection : ICollectionFixture<CriEnvironment>
{
    public const string Name = "cri environment";
}
