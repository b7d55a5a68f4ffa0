using Wasmcell.IntegrationTests.Cri.V1;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>
/// Turns a <see cref="PodManifest"/> into the CRI requests kubelet sends for it (RunPodSandbox,
/// then CreateContainer per container), following kubelet's kuberuntime conventions: pod and
/// container labels, namespace modes, <c>&lt;container&gt;/&lt;attempt&gt;.log</c> log paths, CPU
/// shares/quota and memory limit from <c>resources</c>, the RuntimeClass's handler.
/// </summary>
internal static class PodTranslation
{
    public const string PodNameLabel = "io.kubernetes.pod.name";
    public const string PodNamespaceLabel = "io.kubernetes.pod.namespace";
    public const string PodUidLabel = "io.kubernetes.pod.uid";
    public const string ContainerNameLabel = "io.kubernetes.container.name";

    // kubelet constants (pkg/kubelet/cm): shares per CPU, minimum shares, CFS period, minimum quota.
    private const long SharesPerCpu = 1024;
    private const long MinShares = 2;
    private const long QuotaPeriod = 100_000;
    private const long MinQuota = 1_000;
    // pkg/kubelet/qos: Guaranteed pods keep -997; BestEffort get 1000.
    private const long GuaranteedOomScoreAdj = -997;
    private const long BestEffortOomScoreAdj = 1000;

    public static RunPodSandboxRequest RunPodSandbox(PodManifest pod, RuntimeClasses runtimeClasses, PodPlacement placement) => new()
    {
        Config = SandboxConfig(pod, placement),
        RuntimeHandler = runtimeClasses.HandlerFor(pod.RuntimeClassName),
    };

    public static PodSandboxConfig SandboxConfig(PodManifest pod, PodPlacement placement)
    {
        var name = placement.PodName ?? pod.Name;
        var config = new PodSandboxConfig
        {
            Metadata = new PodSandboxMetadata { Name = name, Uid = placement.Uid, Namespace = pod.Namespace, Attempt = placement.Attempt },
            // runc refuses a hostname without a private UTS namespace (test-environment pitfall 2).
            Hostname = pod.HostNetwork ? "" : pod.Hostname ?? name,
            LogDirectory = placement.LogDirectory,
            Linux = new LinuxPodSandboxConfig
            {
                CgroupParent = placement.CgroupParent,
                SecurityContext = new LinuxSandboxSecurityContext
                {
                    NamespaceOptions = Namespaces(pod),
                    Privileged = pod.Containers.Any(c => c.Privileged),
                },
            },
        };
        foreach (var (key, value) in pod.Labels)
        {
            config.Labels[key] = value;
        }
        config.Labels[PodNameLabel] = name;
        config.Labels[PodNamespaceLabel] = pod.Namespace;
        config.Labels[PodUidLabel] = placement.Uid;
        foreach (var (key, value) in pod.Annotations)
        {
            config.Annotations[key] = value;
        }
        foreach (var port in pod.Containers.SelectMany(c => c.Ports))
        {
            config.PortMappings.Add(new PortMapping
            {
                Protocol = Enum.Parse<Protocol>(port.Protocol, ignoreCase: true),
                ContainerPort = port.Port,
                HostPort = port.HostPort,
                HostIp = port.HostIp ?? "",
            });
        }
        return config;
    }

    public static CreateContainerRequest CreateContainer(
        PodManifest pod, ContainerManifest container, string podSandboxId, PodSandboxConfig sandboxConfig, PodPlacement placement)
    {
        var config = new ContainerConfig
        {
            Metadata = new ContainerMetadata { Name = container.Name, Attempt = placement.Attempt },
            Image = new ImageSpec { Image = placement.ImageMap?.Invoke(container.Image) ?? container.Image },
            WorkingDir = container.WorkingDir ?? "",
            LogPath = $"{container.Name}/{placement.Attempt}.log",
            Stdin = container.Stdin,
            Tty = container.Tty,
            Linux = new LinuxContainerConfig
            {
                Resources = Resources(pod, container, placement.NodeMemoryBytes),
                SecurityContext = SecurityContext(pod, container),
            },
        };
        config.Command.Add(container.Command);
        config.Args.Add(container.Args);
        config.Envs.Add(container.Env.Select(e => new KeyValue { Key = e.Key, Value = e.Value }));
        config.Labels[ContainerNameLabel] = container.Name;
        config.Labels[PodNameLabel] = sandboxConfig.Metadata.Name;
        config.Labels[PodNamespaceLabel] = sandboxConfig.Metadata.Namespace;
        config.Labels[PodUidLabel] = sandboxConfig.Metadata.Uid;
        config.Annotations["io.kubernetes.container.restartCount"] = placement.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture);
        config.Annotations["io.kubernetes.pod.terminationGracePeriod"] = pod.TerminationGracePeriodSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new CreateContainerRequest { PodSandboxId = podSandboxId, Config = config, SandboxConfig = sandboxConfig };
    }

    /// <summary>kubelet's LinuxContainerResources for a container (pkg/kubelet/kuberuntime, cm helpers).</summary>
    public static LinuxContainerResources Resources(PodManifest pod, ContainerManifest container, long nodeMemoryBytes)
    {
        var resources = new LinuxContainerResources();
        // The API server defaults a missing request to the limit.
        var cpuRequest = Quantity(container.Requests, "cpu") ?? Quantity(container.Limits, "cpu");
        var cpuMilli = cpuRequest is null ? 0 : KubernetesQuantity.MilliCpu(cpuRequest);
        resources.CpuShares = Math.Max(MinShares, cpuMilli * SharesPerCpu / 1000);
        if (Quantity(container.Limits, "cpu") is { } cpuLimit)
        {
            resources.CpuPeriod = QuotaPeriod;
            resources.CpuQuota = Math.Max(MinQuota, KubernetesQuantity.MilliCpu(cpuLimit) * QuotaPeriod / 1000);
        }
        if (Quantity(container.Limits, "memory") is { } memoryLimit)
        {
            resources.MemoryLimitInBytes = KubernetesQuantity.Bytes(memoryLimit);
        }
        resources.OomScoreAdj = OomScoreAdj(pod, container, nodeMemoryBytes);
        return resources;
    }

    private static long OomScoreAdj(PodManifest pod, ContainerManifest container, long nodeMemoryBytes)
    {
        if (pod.Containers.All(c => c.Requests.Count == 0 && c.Limits.Count == 0))
        {
            return BestEffortOomScoreAdj;
        }
        if (pod.Containers.All(IsGuaranteed))
        {
            return GuaranteedOomScoreAdj;
        }
        // Burstable: the more memory the container asks for, the less likely it is chosen.
        var memoryRequest = Quantity(container.Requests, "memory") ?? Quantity(container.Limits, "memory");
        var requested = memoryRequest is null ? 0 : KubernetesQuantity.Bytes(memoryRequest);
        var score = 1000 - 1000 * requested / nodeMemoryBytes;
        return Math.Clamp(score, 1000 + GuaranteedOomScoreAdj, 999);
    }

    private static bool IsGuaranteed(ContainerManifest container)
    {
        foreach (var resource in new[] { "cpu", "memory" })
        {
            var limit = Quantity(container.Limits, resource);
            var request = Quantity(container.Requests, resource) ?? limit;
            if (limit is null || KubernetesQuantity.Parse(limit) != KubernetesQuantity.Parse(request!))
            {
                return false;
            }
        }
        return true;
    }

    private static LinuxContainerSecurityContext SecurityContext(PodManifest pod, ContainerManifest container)
    {
        var context = new LinuxContainerSecurityContext
        {
            NamespaceOptions = Namespaces(pod),
            Privileged = container.Privileged,
            ReadonlyRootfs = container.ReadOnlyRootFilesystem,
            Capabilities = new Capability(),
        };
        if (container.RunAsUser is { } uid)
        {
            context.RunAsUser = new Int64Value { Value = uid };
        }
        if (container.RunAsGroup is { } gid)
        {
            context.RunAsGroup = new Int64Value { Value = gid };
        }
        context.Capabilities.AddCapabilities.Add(container.CapabilitiesAdd);
        context.Capabilities.DropCapabilities.Add(container.CapabilitiesDrop);
        return context;
    }

    // kubelet: network and IPC are per pod unless host; the PID namespace is per container unless
    // shareProcessNamespace (then per pod) or hostPID.
    private static NamespaceOption Namespaces(PodManifest pod) => new()
    {
        Network = pod.HostNetwork ? NamespaceMode.Node : NamespaceMode.Pod,
        Pid = pod.HostPid ? NamespaceMode.Node : pod.ShareProcessNamespace ? NamespaceMode.Pod : NamespaceMode.Container,
        Ipc = pod.HostIpc ? NamespaceMode.Node : NamespaceMode.Pod,
    };

    private static string? Quantity(IReadOnlyDictionary<string, string> map, string key) => map.TryGetValue(key, out var value) ? value : null;
}
