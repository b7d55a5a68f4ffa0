using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>The operator-facing manifests under <c>deploy/</c>, as the CRI tests use them.</summary>
internal static class ExampleManifests
{
    public static string Deploy => Path.Combine(RepoLayout.Root, "deploy");

    public static string Examples => Path.Combine(Deploy, "examples");

    public static string RuntimeClassFile => Path.Combine(Deploy, "runtimeclass.yaml");

    public static RuntimeClasses RuntimeClasses() => Cri.RuntimeClasses.Load(RuntimeClassFile);

    public static PodManifest Load(string fileName) => PodManifest.Load(Path.Combine(Examples, fileName));
}
