using Wasmcell.IntegrationTests.Cri.V1;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>Manifest → CRI request translation, checked without a runtime.</summary>
public sealed class PodTranslationTests
{
    private static readonly PodPlacement Placement = new("uid-1", "/var/log/pods/default_x_uid-1", "/kubepods/pod-uid-1");

    [Fact]
    public void Every_example_parses_and_names_a_runtime_class_deploy_defines()
    {
        var classes = ExampleManifests.RuntimeClasses();
        var files = Directory.GetFiles(ExampleManifests.Examples, "*.yaml");

        Assert.Equal(["hello-job.yaml", "http-proxy-component.yaml", "http-server.yaml", "nginx-wasm.yaml", "wasm-with-sidecar.yaml"], files.Select(Path.GetFileName).Order());
        foreach (var file in files)
        {
            var pod = PodManifest.Load(file);
            Assert.Equal("wasm", PodTranslation.RunPodSandbox(pod, classes, Placement).RuntimeHandler);
        }
    }

    [Fact]
    public void Hello_job_becomes_a_wasm_sandbox_and_one_container_with_its_args_env_and_limits()
    {
        var pod = ExampleManifests.Load("hello-job.yaml");

        var run = PodTranslation.RunPodSandbox(pod, ExampleManifests.RuntimeClasses(), Placement);
        var create = PodTranslation.CreateContainer(pod, pod.Containers[0], "sandbox-1", run.Config, Placement);

        Assert.Equal("Job", pod.Kind);
        Assert.Equal("wasm", run.RuntimeHandler);
        Assert.Equal(new PodSandboxMetadata { Name = "wasm-hello", Namespace = "default", Uid = "uid-1" }, run.Config.Metadata);
        Assert.Equal("wasm-hello", run.Config.Hostname);
        Assert.Equal("/var/log/pods/default_x_uid-1", run.Config.LogDirectory);
        Assert.Equal("/kubepods/pod-uid-1", run.Config.Linux.CgroupParent);
        Assert.Equal("wasm-hello", run.Config.Labels["app.kubernetes.io/name"]);
        Assert.Equal("uid-1", run.Config.Labels[PodTranslation.PodUidLabel]);
        Assert.Equal(NamespaceMode.Pod, run.Config.Linux.SecurityContext.NamespaceOptions.Network);
        Assert.Equal(NamespaceMode.Container, run.Config.Linux.SecurityContext.NamespaceOptions.Pid);

        var config = create.Config;
        Assert.Equal("sandbox-1", create.PodSandboxId);
        Assert.Same(run.Config, create.SandboxConfig);
        Assert.Equal("hello", config.Metadata.Name);
        Assert.Equal("localhost:5000/wasmcell/hello:latest", config.Image.Image);
        Assert.Empty(config.Command);
        Assert.Equal(["from", "kubernetes"], config.Args);
        Assert.Equal([new KeyValue { Key = "GREETING", Value = "hello" }], config.Envs);
        Assert.Equal("hello/0.log", config.LogPath);
        Assert.Equal("hello", config.Labels[PodTranslation.ContainerNameLabel]);
        // limits cpu 100m, memory 32Mi, no requests: the request defaults to the limit → Guaranteed.
        Assert.Equal(102, config.Linux.Resources.CpuShares);
        Assert.Equal(100_000, config.Linux.Resources.CpuPeriod);
        Assert.Equal(10_000, config.Linux.Resources.CpuQuota);
        Assert.Equal(32L << 20, config.Linux.Resources.MemoryLimitInBytes);
        Assert.Equal(-997, config.Linux.Resources.OomScoreAdj);
    }

    [Fact]
    public void Http_server_deployment_uses_its_pod_template_and_maps_the_container_port()
    {
        var pod = ExampleManifests.Load("http-server.yaml");

        var run = PodTranslation.RunPodSandbox(pod, ExampleManifests.RuntimeClasses(), Placement);
        var resources = PodTranslation.Resources(pod, pod.Containers[0], Placement.NodeMemoryBytes);

        Assert.Equal("Deployment", pod.Kind);
        Assert.Equal("wasm-http", pod.Name);
        Assert.Equal([new PortMapping { Protocol = Protocol.Tcp, ContainerPort = 8080 }], run.Config.PortMappings);
        // requests cpu 50m / memory 16Mi, limits 500m / 64Mi → Burstable.
        Assert.Equal(51, resources.CpuShares);
        Assert.Equal(50_000, resources.CpuQuota);
        Assert.Equal(64L << 20, resources.MemoryLimitInBytes);
        // Burstable: 1000 - 1000 * request / node memory, kept within [3, 999].
        Assert.Equal(999, resources.OomScoreAdj);
        Assert.Equal(750, PodTranslation.Resources(pod, pod.Containers[0], nodeMemoryBytes: 64L << 20).OomScoreAdj);
    }

    [Fact]
    public void Sidecar_pod_has_a_wasm_container_and_a_busybox_container_with_its_own_command()
    {
        var pod = ExampleManifests.Load("wasm-with-sidecar.yaml");
        var placement = Placement with { ImageMap = image => image.StartsWith("busybox", StringComparison.Ordinal) ? "localhost/wctest/busybox:1" : image };

        var run = PodTranslation.RunPodSandbox(pod, ExampleManifests.RuntimeClasses(), placement);
        var requests = pod.Containers.Select(c => PodTranslation.CreateContainer(pod, c, "s", run.Config, placement)).ToArray();

        Assert.Equal(["server", "probe"], requests.Select(r => r.Config.Metadata.Name));
        Assert.Equal("localhost:5000/wasmcell/http-server:latest", requests[0].Config.Image.Image);
        Assert.Equal("localhost/wctest/busybox:1", requests[1].Config.Image.Image);
        Assert.Equal(["/bin/sh", "-c"], requests[1].Config.Command);
        Assert.Contains("wget -q -O - http://localhost:8080/", Assert.Single(requests[1].Config.Args));
        Assert.Equal("probe/0.log", requests[1].Config.LogPath);
    }

    [Fact]
    public void Seed_nginx_pod_keeps_its_image_and_port()
    {
        var pod = ExampleManifests.Load("nginx-wasm.yaml");

        var run = PodTranslation.RunPodSandbox(pod, ExampleManifests.RuntimeClasses(), Placement);

        Assert.Equal("denverdino/nginxwasm", pod.Container("nginx").Image);
        Assert.Equal(8080, Assert.Single(run.Config.PortMappings).ContainerPort);
    }

    [Fact]
    public void Host_network_pod_gets_node_namespaces_and_no_hostname()
    {
        var pod = PodManifest.Parse("""
            apiVersion: v1
            kind: Pod
            metadata: { name: hn, namespace: tools }
            spec:
              hostNetwork: true
              shareProcessNamespace: true
              terminationGracePeriodSeconds: 5
              containers:
                - name: c
                  image: busybox
                  securityContext: { privileged: true, runAsUser: 1000, capabilities: { add: [NET_ADMIN], drop: [ALL] } }
            """, "inline");

        var run = PodTranslation.RunPodSandbox(pod, new RuntimeClasses(new Dictionary<string, string>()), Placement);
        var create = PodTranslation.CreateContainer(pod, pod.Containers[0], "s", run.Config, Placement);

        Assert.Equal("", run.RuntimeHandler);
        Assert.Equal("", run.Config.Hostname);
        Assert.Equal("tools", run.Config.Metadata.Namespace);
        Assert.Equal(NamespaceMode.Node, run.Config.Linux.SecurityContext.NamespaceOptions.Network);
        Assert.Equal(NamespaceMode.Pod, run.Config.Linux.SecurityContext.NamespaceOptions.Pid);
        Assert.True(run.Config.Linux.SecurityContext.Privileged);
        Assert.Equal(5, pod.TerminationGracePeriodSeconds);
        var security = create.Config.Linux.SecurityContext;
        Assert.True(security.Privileged);
        Assert.Equal(1000, security.RunAsUser.Value);
        Assert.Equal(["NET_ADMIN"], security.Capabilities.AddCapabilities);
        Assert.Equal(["ALL"], security.Capabilities.DropCapabilities);
        // No requests or limits anywhere: BestEffort, minimum shares, no quota.
        Assert.Equal(2, create.Config.Linux.Resources.CpuShares);
        Assert.Equal(0, create.Config.Linux.Resources.CpuQuota);
        Assert.Equal(1000, create.Config.Linux.Resources.OomScoreAdj);
    }

    [Fact]
    public void Shared_runtime_class_selects_the_wasm_shared_handler()
    {
        var pod = PodManifest.Parse("kind: Pod\nmetadata: {name: p}\nspec:\n  runtimeClassName: wasm-shared\n  containers: [{name: c, image: i}]\n", "inline");

        Assert.Equal("wasm-shared", PodTranslation.RunPodSandbox(pod, ExampleManifests.RuntimeClasses(), Placement).RuntimeHandler);
    }

    [Fact]
    public void Unknown_runtime_class_is_rejected_like_kubelet_does()
    {
        var pod = PodManifest.Parse("kind: Pod\nmetadata: {name: p}\nspec:\n  runtimeClassName: gvisor\n  containers: [{name: c, image: i}]\n", "inline");

        var e = Assert.Throws<InvalidOperationException>(() => PodTranslation.RunPodSandbox(pod, ExampleManifests.RuntimeClasses(), Placement));

        Assert.Contains("gvisor", e.Message);
    }

    [Fact]
    public void Env_from_the_api_server_is_not_supported()
    {
        const string yaml = "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: i\n    env:\n    - name: SECRET\n      valueFrom: {secretKeyRef: {name: s, key: k}}\n";

        var e = Assert.Throws<NotSupportedException>(() => PodManifest.Parse(yaml, "inline"));

        Assert.Contains("SECRET", e.Message);
    }

    [Fact]
    public void A_file_with_only_a_service_has_no_pod()
    {
        Assert.Throws<InvalidDataException>(() => PodManifest.Parse("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n", "svc.yaml"));
    }

    [Fact]
    public void Runtime_class_manifest_must_use_node_k8s_io_v1()
    {
        var path = Path.Combine(Path.GetTempPath(), $"rc-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "apiVersion: node.k8s.io/v1beta1\nkind: RuntimeClass\nmetadata: {name: wasm}\nhandler: wasm\n");
        try
        {
            Assert.Throws<InvalidDataException>(() => RuntimeClasses.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("100m", 0.1)]
    [InlineData("0.5", 0.5)]
    [InlineData("2", 2)]
    [InlineData("32Mi", 33554432)]
    [InlineData("1Gi", 1073741824)]
    [InlineData("64M", 64000000)]
    [InlineData("129e6", 129000000)]
    [InlineData("1k", 1000)]
    public void Quantities_parse_like_kubernetes(string text, double expected)
    {
        Assert.Equal((decimal)expected, KubernetesQuantity.Parse(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("12 Mi")]
    [InlineData("1Xi")]
    [InlineData("m")]
    public void Malformed_quantities_are_rejected(string text)
    {
        Assert.Throws<FormatException>(() => KubernetesQuantity.Parse(text));
    }

    [Fact]
    public void Cpu_millis_round_up()
    {
        Assert.Equal(1, KubernetesQuantity.MilliCpu("0.0001"));
        Assert.Equal(250, KubernetesQuantity.MilliCpu("250m"));
    }
}
