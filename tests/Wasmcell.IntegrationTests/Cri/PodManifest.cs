using YamlDotNet.RepresentationModel;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>A container port of a manifest (only what becomes a CRI port mapping).</summary>
internal sealed record ContainerPort(int Port, int HostPort, string Protocol, string? HostIp);

/// <summary>One container of a pod manifest, in the terms kubelet turns into a CRI ContainerConfig.</summary>
internal sealed record ContainerManifest(
    string Name,
    string Image,
    IReadOnlyList<string> Command,
    IReadOnlyList<string> Args,
    string? WorkingDir,
    IReadOnlyList<KeyValuePair<string, string>> Env,
    IReadOnlyList<ContainerPort> Ports,
    IReadOnlyDictionary<string, string> Requests,
    IReadOnlyDictionary<string, string> Limits,
    bool Privileged,
    long? RunAsUser,
    long? RunAsGroup,
    bool ReadOnlyRootFilesystem,
    IReadOnlyList<string> CapabilitiesAdd,
    IReadOnlyList<string> CapabilitiesDrop,
    bool Stdin,
    bool Tty);

/// <summary>
/// The pod of a manifest from <c>deploy/examples/</c>: a Pod, or the pod template of a Job,
/// Deployment, DaemonSet, StatefulSet or ReplicaSet. Other documents of the file (Services, ...) are
/// skipped, as <c>kubectl apply</c> would hand them to other controllers.
/// </summary>
internal sealed class PodManifest
{
    private static readonly string[] Workloads = ["Job", "Deployment", "DaemonSet", "StatefulSet", "ReplicaSet"];

    public required string Source { get; init; }
    public required string Kind { get; init; }
    public required string Name { get; init; }
    public required string Namespace { get; init; }
    public required IReadOnlyDictionary<string, string> Labels { get; init; }
    public required IReadOnlyDictionary<string, string> Annotations { get; init; }
    public string? RuntimeClassName { get; init; }
    public string? Hostname { get; init; }
    public bool HostNetwork { get; init; }
    public bool HostPid { get; init; }
    public bool HostIpc { get; init; }
    public bool ShareProcessNamespace { get; init; }

    /// <summary><c>terminationGracePeriodSeconds</c> (Kubernetes default 30): kubelet's StopContainer timeout.</summary>
    public long TerminationGracePeriodSeconds { get; init; } = 30;

    public required IReadOnlyList<ContainerManifest> Containers { get; init; }

    public ContainerManifest Container(string name) =>
        Containers.SingleOrDefault(c => c.Name == name) ?? throw new ArgumentException($"{Source}: no container `{name}`", nameof(name));

    public static PodManifest Load(string path) => Parse(File.ReadAllText(path), path);

    public static PodManifest Parse(string yaml, string source)
    {
        foreach (var document in YamlNodes.LoadDocuments(yaml))
        {
            var kind = document.Str("kind");
            if (kind == "Pod")
            {
                return FromPod(source, kind, document.Map("metadata"), document.Map("metadata"), document.Map("spec"));
            }
            if (kind is not null && Workloads.Contains(kind))
            {
                var template = document.Map("spec").Map("template")
                    ?? throw new InvalidDataException($"{source}: {kind} without spec.template");
                return FromPod(source, kind, document.Map("metadata"), template.Map("metadata"), template.Map("spec"));
            }
        }
        throw new InvalidDataException($"{source}: no Pod or workload with a pod template");
    }

    private static PodManifest FromPod(string source, string kind, YamlMappingNode? owner, YamlMappingNode? metadata, YamlMappingNode? spec)
    {
        if (spec is null)
        {
            throw new InvalidDataException($"{source}: {kind} without a pod spec");
        }
        var name = metadata.Str("name") ?? owner.Str("name") ?? throw new InvalidDataException($"{source}: {kind} without metadata.name");
        var containers = spec.Maps("containers").Select(c => ParseContainer(source, c)).ToArray();
        if (containers.Length == 0)
        {
            throw new InvalidDataException($"{source}: pod `{name}` has no containers");
        }
        return new PodManifest
        {
            Source = source,
            Kind = kind,
            Name = name,
            Namespace = metadata.Str("namespace") ?? owner.Str("namespace") ?? "default",
            Labels = metadata.StringMap("labels"),
            Annotations = metadata.StringMap("annotations"),
            RuntimeClassName = spec.Str("runtimeClassName"),
            Hostname = spec.Str("hostname"),
            HostNetwork = spec.Bool("hostNetwork"),
            HostPid = spec.Bool("hostPID"),
            HostIpc = spec.Bool("hostIPC"),
            ShareProcessNamespace = spec.Bool("shareProcessNamespace"),
            TerminationGracePeriodSeconds = spec.Long("terminationGracePeriodSeconds") ?? 30,
            Containers = containers,
        };
    }

    private static ContainerManifest ParseContainer(string source, YamlMappingNode container)
    {
        var name = container.Str("name") ?? throw new InvalidDataException($"{source}: container without a name");
        var env = new List<KeyValuePair<string, string>>();
        foreach (var variable in container.Maps("env"))
        {
            var key = variable.Str("name") ?? throw new InvalidDataException($"{source}: container {name}: env entry without a name");
            if (variable.Get("valueFrom") is not null)
            {
                // Secrets, ConfigMaps and the downward API need an API server; the examples must not use them.
                throw new NotSupportedException($"{source}: container {name}: env {key} uses valueFrom, which needs an API server");
            }
            env.Add(new(key, variable.Str("value") ?? ""));
        }
        var security = container.Map("securityContext");
        var capabilities = security.Map("capabilities");
        return new ContainerManifest(
            name,
            container.Str("image") ?? throw new InvalidDataException($"{source}: container {name} has no image"),
            container.Strings("command"),
            container.Strings("args"),
            container.Str("workingDir"),
            env,
            container.Maps("ports").Select(p => new ContainerPort(
                (int)(p.Long("containerPort") ?? throw new InvalidDataException($"{source}: container {name}: port without containerPort")),
                (int)(p.Long("hostPort") ?? 0),
                p.Str("protocol") ?? "TCP",
                p.Str("hostIP"))).ToArray(),
            container.Map("resources").StringMap("requests"),
            container.Map("resources").StringMap("limits"),
            security.Bool("privileged"),
            security.Long("runAsUser"),
            security.Long("runAsGroup"),
            security.Bool("readOnlyRootFilesystem"),
            capabilities.Strings("add"),
            capabilities.Strings("drop"),
            container.Bool("stdin"),
            container.Bool("tty"));
    }
}
