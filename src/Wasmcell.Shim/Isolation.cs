namespace Wasmcell.Shim;

/// <summary>How a daemon places its Wasm containers: a cell process each (the default), or all in one shared cell.</summary>
public enum IsolationMode
{
    Independent,
    Shared,
}

/// <summary>
/// The choice of shared mode (issue 13), made by the launcher's `start`, which picks the daemon: the container's
/// annotation <c>wasmcell.io/isolation: shared</c> (ctr --annotation, or a pod's through CRI where containerd passes
/// it), or the runtime type <c>io.containerd.wasm-shared.v1</c>, for which containerd runs the launcher under the
/// name <see cref="SharedLauncherName"/> (a RuntimeClass with handler <c>wasm-shared</c>). Never chosen silently.
/// </summary>
public static class Isolation
{
    public const string Annotation = "wasmcell.io/isolation";
    public const string SharedLauncherName = "containerd-shim-wasm-shared-v1";

    /// <summary>Which pods may share a process: "namespace" (the default: pods of one Kubernetes namespace) or "node".</summary>
    public const string ScopeEnv = "WASMCELL_SHARED_SCOPE";

    private const string PodNamespaceAnnotation = "io.kubernetes.cri.sandbox-namespace";

    /// <summary>The mode for a container; an annotation naming neither mode is an error that names it.</summary>
    public static IsolationMode Of(IReadOnlyDictionary<string, string>? annotations, string launcherPath)
    {
        if (Path.GetFileName(launcherPath) == SharedLauncherName)
        {
            return IsolationMode.Shared;
        }
        return annotations?.GetValueOrDefault(Annotation) switch
        {
            null or "" or "independent" => IsolationMode.Independent,
            "shared" => IsolationMode.Shared,
            var other => throw new ArgumentException($"annotation {Annotation}: \"{other}\" is neither \"shared\" nor \"independent\""),
        };
    }

    /// <summary>
    /// The daemon group of a shared container (ShimSocket.Address): one per containerd namespace and, unless the
    /// operator scoped it to the node, per Kubernetes namespace: tenants of one shared cell are separated by Wasm alone.
    /// </summary>
    public static string SharedGroup(IReadOnlyDictionary<string, string>? annotations, Func<string, string?> environment)
    {
        var scope = environment(ScopeEnv);
        if (scope is not (null or "" or "namespace" or "node"))
        {
            throw new ArgumentException($"{ScopeEnv}=\"{scope}\" is neither \"namespace\" nor \"node\"");
        }
        var podNamespace = scope == "node" ? "" : annotations?.GetValueOrDefault(PodNamespaceAnnotation) ?? "";
        return "wasmcell-shared/" + podNamespace;
    }
}
