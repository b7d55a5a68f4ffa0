using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>The operator-facing manifests under <c>deploy/</c>, as the CRI tests use them.</summary>
internal static class ExampleManifests
{
    public static string Deploy => Path.Combine(RepoLayout.Root, "deploy");

    public static string Examples => Path.Combine(Deploy, "examples");

    /// <summary>The RuntimeClasses an operator applies: <c>wasm</c> and, for shared mode, <c>wasm-shared</c>.</summary>
    public static string[] RuntimeClassFiles => [Path.Combine(Deploy, "runtimeclass.yaml"), Path.Combine(Deploy, "runtimeclass-shared.yaml")];

    public static RuntimeClasses RuntimeClasses() => Cri.RuntimeClasses.Load(RuntimeClassFiles);

    public static PodManifest Load(string fileName) => PodManifest.Load(Path.Combine(Examples, fileName));
}
