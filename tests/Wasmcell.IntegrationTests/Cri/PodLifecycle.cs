using Grpc.Core;
using Wasmcell.IntegrationTests.Cri.V1;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>A pod started through CRI: its sandbox and the ids of its containers by name.</summary>
internal sealed record RunningPod(PodManifest Manifest, string SandboxId, PodSandboxConfig SandboxConfig, IReadOnlyDictionary<string, string> ContainerIds)
{
    public string ContainerId(string name) => ContainerIds[name];
}

/// <summary>
/// Starts and stops a manifest's pod the way kubelet does: RunPodSandbox, then CreateContainer +
/// StartContainer for each container in order; StopContainer (with the grace period) + RemoveContainer
/// for each, then StopPodSandbox + RemovePodSandbox.
/// </summary>
internal static class PodLifecycle
{
    public static async Task<RunningPod> StartAsync(CriClient cri, PodManifest pod, RuntimeClasses runtimeClasses, PodPlacement placement)
    {
        var run = PodTranslation.RunPodSandbox(pod, runtimeClasses, placement);
        Directory.CreateDirectory(placement.LogDirectory);
        var sandbox = await cri.Runtime.RunPodSandboxAsync(run, CriClient.Deadline());
        var containers = new Dictionary<string, string>();
        var started = new RunningPod(pod, sandbox.PodSandboxId, run.Config, containers);
        try
        {
            foreach (var container in pod.Containers)
            {
                var create = PodTranslation.CreateContainer(pod, container, sandbox.PodSandboxId, run.Config, placement);
                var created = await cri.Runtime.CreateContainerAsync(create, CriClient.Deadline());
                containers[container.Name] = created.ContainerId;
                await cri.Runtime.StartContainerAsync(new StartContainerRequest { ContainerId = created.ContainerId }, CriClient.Deadline());
            }
            return started;
        }
        catch
        {
            await StopAndRemoveAsync(cri, started, timeoutSeconds: 0);
            throw;
        }
    }

    /// <summary>Stops and removes everything of the pod; each step tolerates NotFound, like kubelet's retries.</summary>
    public static async Task StopAndRemoveAsync(CriClient cri, RunningPod pod, long? timeoutSeconds = null)
    {
        var timeout = timeoutSeconds ?? pod.Manifest.TerminationGracePeriodSeconds;
        // The deadline must outlast the grace period: StopContainer blocks until the container is gone.
        var deadline = CriClient.Deadline(TimeSpan.FromSeconds(timeout) + CriClient.CallTimeout);
        foreach (var id in pod.ContainerIds.Values)
        {
            await IgnoreNotFound(() => cri.Runtime.StopContainerAsync(new StopContainerRequest { ContainerId = id, Timeout = timeout }, deadline).ResponseAsync);
            await IgnoreNotFound(() => cri.Runtime.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = id }, CriClient.Deadline()).ResponseAsync);
        }
        await IgnoreNotFound(() => cri.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = pod.SandboxId }, deadline).ResponseAsync);
        await IgnoreNotFound(() => cri.Runtime.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = pod.SandboxId }, CriClient.Deadline()).ResponseAsync);
    }

    /// <summary>Stops and removes every sandbox and container the runtime knows (between tests, like cri_client.py cleanup).</summary>
    public static async Task RemoveAllAsync(CriClient cri)
    {
        var containers = await cri.Runtime.ListContainersAsync(new ListContainersRequest(), CriClient.Deadline());
        foreach (var container in containers.Containers)
        {
            await IgnoreNotFound(() => cri.Runtime.StopContainerAsync(new StopContainerRequest { ContainerId = container.Id, Timeout = 0 }, CriClient.Deadline()).ResponseAsync);
            await IgnoreNotFound(() => cri.Runtime.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = container.Id }, CriClient.Deadline()).ResponseAsync);
        }
        var sandboxes = await cri.Runtime.ListPodSandboxAsync(new ListPodSandboxRequest(), CriClient.Deadline());
        foreach (var sandbox in sandboxes.Items)
        {
            await IgnoreNotFound(() => cri.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = sandbox.Id }, CriClient.Deadline()).ResponseAsync);
            await IgnoreNotFound(() => cri.Runtime.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = sandbox.Id }, CriClient.Deadline()).ResponseAsync);
        }
    }

    private static async Task IgnoreNotFound(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            // Already gone: the goal of the step is reached.
        }
    }
}
