namespace Wasmcell.IntegrationTests.Cri;

/// <summary>
/// RuntimeClass name → CRI handler, read from RuntimeClass manifests (deploy/runtimeclass.yaml), the
/// lookup kubelet does before RunPodSandbox.
/// </summary>
internal sealed class RuntimeClasses(IReadOnlyDictionary<string, string> handlers)
{
    public static RuntimeClasses Load(params string[] paths)
    {
        var handlers = new Dictionary<string, string>();
        foreach (var path in paths)
        {
            foreach (var document in YamlNodes.LoadDocuments(File.ReadAllText(path)))
            {
                if (document.Str("kind") == "RuntimeClass")
                {
                    if (document.Str("apiVersion") != "node.k8s.io/v1")
                    {
                        throw new InvalidDataException($"{path}: RuntimeClass must use apiVersion node.k8s.io/v1, found {document.Str("apiVersion")}");
                    }
                    var name = document.Map("metadata").Str("name") ?? throw new InvalidDataException($"{path}: RuntimeClass without metadata.name");
                    handlers[name] = document.Str("handler") ?? throw new InvalidDataException($"{path}: RuntimeClass {name} has no handler");
                }
            }
        }
        return new RuntimeClasses(handlers);
    }

    /// <summary>The handler for a pod's runtimeClassName; "" (containerd's default runtime) when the pod names none.</summary>
    public string HandlerFor(string? runtimeClassName)
    {
        if (string.IsNullOrEmpty(runtimeClassName))
        {
            return "";
        }
        return handlers.TryGetValue(runtimeClassName, out var handler)
            ? handler
            : throw new InvalidOperationException($"RuntimeClass `{runtimeClassName}` is not defined (kubelet would reject the pod)");
    }
}
