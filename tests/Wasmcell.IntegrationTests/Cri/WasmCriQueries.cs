using System.Text.Json;
using Wasmcell.IntegrationTests.Cri.V1;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>
/// CRI questions the Wasm tests ask repeatedly, and their polling: the pids CRI recorded (verbose
/// status), container state and stats, and the container's CRI log file as kubelet would read it.
/// </summary>
internal static class WasmCriQueries
{
    /// <summary>The task pid CRI recorded for a container (verbose ContainerStatus info).</summary>
    public static async Task<int> ContainerPidAsync(CriClient cri, string containerId)
    {
        var status = await cri.Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = containerId, Verbose = true }, CriClient.Deadline());
        return PidOf(status.Info, $"container {containerId}");
    }

    /// <summary>The sandbox (pause) pid CRI recorded for a pod (verbose PodSandboxStatus info).</summary>
    public static async Task<int> SandboxPidAsync(CriClient cri, string sandboxId)
    {
        var status = await cri.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = sandboxId, Verbose = true }, CriClient.Deadline());
        return PidOf(status.Info, $"sandbox {sandboxId}");
    }

    /// <summary>ContainerStats, with a failed call turned into its status text (for polling and messages).</summary>
    public static async Task<(ContainerStats? Stats, string Answer)> StatsAsync(CriClient cri, string containerId)
    {
        try
        {
            var stats = (await cri.Runtime.ContainerStatsAsync(new ContainerStatsRequest { ContainerId = containerId }, CriClient.Deadline())).Stats;
            return (stats, stats.ToString());
        }
        catch (Grpc.Core.RpcException e)
        {
            return (null, $"ContainerStats failed: {e.StatusCode}: {e.Status.Detail}");
        }
    }

    /// <summary>Polls ContainerStats until cpu and memory are both above zero; fails with CRI's last answer and the log lines naming the container.</summary>
    public static async Task<ContainerStats> WaitForUsageAsync(CriEnvironment env, string containerId, string what)
    {
        var last = (Stats: (ContainerStats?)null, Answer: "no answer");
        var reported = await PollAsync(async () =>
        {
            last = await StatsAsync(env.Cri, containerId);
            return last.Stats?.Cpu?.UsageCoreNanoSeconds?.Value > 0 && last.Stats.Memory?.WorkingSetBytes?.Value > 0;
        }, TimeSpan.FromSeconds(20));
        Assert.True(reported, $"ContainerStats of {what} never showed cpu and memory use: {last.Answer}\n{WasmPodProbe.ContainerdLogTail(env, containerId)}");
        return last.Stats!;
    }

    public static Task<ContainerStatus> StatusAsync(CriClient cri, string containerId) =>
        cri.Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = containerId }, CriClient.Deadline()).ResponseAsync
            .ContinueWith(t => t.Result.Status, TaskScheduler.Default);

    /// <summary>Polls ContainerStatus until the container has exited, or fails with the last status.</summary>
    public static async Task<ContainerStatus> WaitForExitAsync(CriClient cri, string containerId, TimeSpan timeout)
    {
        ContainerStatus status = await StatusAsync(cri, containerId);
        await PollAsync(async () =>
        {
            status = await StatusAsync(cri, containerId);
            return status.State == ContainerState.ContainerExited;
        }, timeout);
        Assert.True(status.State == ContainerState.ContainerExited, $"container {containerId} did not exit: {status}");
        return status;
    }

    /// <summary>Polls <paramref name="condition"/> every 100 ms until it holds or <paramref name="timeout"/> passes; returns the last answer.</summary>
    public static async Task<bool> PollAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return await condition();
            }
            await Task.Delay(100);
        }
        return true;
    }

    public static Task<bool> PollAsync(Func<bool> condition, TimeSpan timeout) => PollAsync(() => Task.FromResult(condition()), timeout);

    /// <summary>The lines of a container's CRI log file (kubelet layout: &lt;pod log dir&gt;/&lt;name&gt;/0.log); empty before it exists.</summary>
    public static IReadOnlyList<string> LogLines(PodPlacement placement, string container)
    {
        var path = Path.Combine(placement.LogDirectory, container, "0.log");
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            var text = reader.ReadToEnd();
            // A line still being written has no newline yet: leave it for the next look.
            var end = text.LastIndexOf('\n');
            return end < 0 ? [] : text[..end].Split('\n');
        }
        catch (FileNotFoundException)
        {
            return [];
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
    }

    /// <summary>Waits until the container's CRI log has a line ending with <paramref name="suffix"/>; fails with the log otherwise.</summary>
    public static async Task WaitForLogLineAsync(PodPlacement placement, string container, string suffix, TimeSpan? timeout = null)
    {
        var found = await PollAsync(() => LogLines(placement, container).Any(l => l.EndsWith(suffix, StringComparison.Ordinal)), timeout ?? TimeSpan.FromSeconds(20));
        Assert.True(found, $"no line ending with `{suffix}` in the CRI log of {container}:\n{string.Join('\n', LogLines(placement, container))}");
    }

    private static int PidOf(Google.Protobuf.Collections.MapField<string, string> info, string what)
    {
        if (!info.TryGetValue("info", out var json))
        {
            throw new InvalidDataException($"{what}: verbose status has no info");
        }
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("pid").GetInt32();
    }
}
