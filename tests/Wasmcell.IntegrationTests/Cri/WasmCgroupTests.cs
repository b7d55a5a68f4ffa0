using System.Globalization;
using System.Text.RegularExpressions;
using Wasmcell.IntegrationTests.Cri.V1;
using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>
/// Resources of Wasm containers on this cgroup v1 host, through CRI: the cell sits in the cgroup CRI
/// named (linux.cgroupsPath) with kubelet's memory limit, CFS quota and shares; ContainerStats reports
/// real figures; the Wasm memory is capped at the limit so a greedy guest sees malloc fail instead of
/// the OOM killer; UpdateContainerResources rewrites the limits. Root.
/// </summary>
[Collection(CriEnvironmentCollection.Name)]
public sealed partial class WasmCgroupTests(CriEnvironment env)
{
    private const long MemoryLimit = 64L << 20;

    [Fact]
    public async Task Cell_is_limited_by_the_cgroup_cri_names_reports_stats_hits_the_wasm_memory_cap_and_follows_updates()
    {
        WasmPodSetup.InstallShim(env);
        var spin = await WasmPodSetup.ImportModuleAsync(env, "spin.wasm");
        var malloc = await WasmPodSetup.ImportModuleAsync(env, "cri-malloc.wasm");
        var manifest = PodManifest.Parse($$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: wasm-limits }
            spec:
              runtimeClassName: wasm
              terminationGracePeriodSeconds: 5
              containers:
                - name: spinner
                  image: "{{spin}}"
                  resources:
                    requests: { cpu: 250m, memory: 64Mi }
                    limits: { cpu: 500m, memory: 64Mi }
                - name: allocator
                  image: "{{malloc}}"
                  resources:
                    limits: { memory: 64Mi }
            """, "inline wasm-limits pod");
        var placement = env.NewPlacement("default", "wasm-limits-" + Guid.NewGuid().ToString("N")[..6]);
        var portsBefore = await env.BridgePortsAsync();
        var cri = env.Cri;
        await using var cleanup = new WasmPodCleanup(cri);

        var pod = cleanup.Track(await PodLifecycle.StartAsync(cri, manifest, env.RuntimeClasses, placement));
        var ip = (await cri.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.SandboxId }, CriClient.Deadline())).Status.Network.Ip;
        var spinnerId = pod.ContainerId("spinner");

        // The cgroup CRI named for the spinner, and the cell in it in every hierarchy that matters.
        var cgroup = WasmPodProbe.CgroupsPath(env, spinnerId);
        Assert.Equal($"{env.CgroupParent}/{spinnerId}", cgroup);
        var cell = await WasmCriQueries.ContainerPidAsync(cri, spinnerId);
        foreach (var controller in new[] { "memory", "cpu", "cpuacct", "freezer", "pids" })
        {
            Assert.True(cgroup == WasmPodProbe.CgroupOf(cell, controller), $"cell {cell} is not in {cgroup} for {controller}:\n{File.ReadAllText($"/proc/{cell}/cgroup")}");
        }
        Assert.Contains(cell.ToString(CultureInfo.InvariantCulture), File.ReadLines(Path.Combine("/sys/fs/cgroup/memory", cgroup.TrimStart('/'), "cgroup.procs")));

        // kubelet's translation: 64Mi limit, quota 500m of a 100 ms period, shares for a 250m request.
        Assert.Equal(MemoryLimit.ToString(CultureInfo.InvariantCulture), WasmPodProbe.ReadCgroupFile("memory", cgroup, "memory.limit_in_bytes"));
        Assert.Equal("100000", WasmPodProbe.ReadCgroupFile("cpu", cgroup, "cpu.cfs_period_us"));
        Assert.Equal("50000", WasmPodProbe.ReadCgroupFile("cpu", cgroup, "cpu.cfs_quota_us"));
        Assert.Equal("256", WasmPodProbe.ReadCgroupFile("cpu", cgroup, "cpu.shares"));

        // kubelet's view: real CPU (the guest spins) and memory figures.
        var stats = await WasmCriQueries.WaitForUsageAsync(env, spinnerId, "the spinner");
        var usage = ulong.Parse(WasmPodProbe.ReadCgroupFile("memory", cgroup, "memory.usage_in_bytes"), CultureInfo.InvariantCulture);
        Assert.True(stats.Memory.UsageBytes.Value > 0 && usage > 0, $"memory usage: CRI {stats.Memory.UsageBytes}, cgroup {usage}");

        // The greedy guest: malloc fails inside the guest, below the limit, and it exits normally.
        var allocator = await WasmCriQueries.WaitForExitAsync(cri, pod.ContainerId("allocator"), TimeSpan.FromSeconds(60));
        var allocatorLog = string.Join('\n', WasmCriQueries.LogLines(placement, "allocator"));
        Assert.True(allocator.ExitCode == 0 && allocator.Reason == "Completed",
            $"the allocator should see malloc fail and exit 0, got exit {allocator.ExitCode} reason {allocator.Reason}:\n{allocatorLog}\n{WasmPodProbe.ContainerdLogTail(env)}");
        var match = MallocFailed().Match(allocatorLog);
        Assert.True(match.Success, $"no malloc result in the allocator's log:\n{allocatorLog}");
        var got = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(got, MemoryLimit / 2, MemoryLimit);

        // UpdateContainerResources (kubelet's in-place resize) reaches the cgroup files.
        var update = new LinuxContainerResources
        {
            MemoryLimitInBytes = 2 * MemoryLimit,
            CpuPeriod = 100_000,
            CpuQuota = 20_000,
            CpuShares = 512,
        };
        await cri.Runtime.UpdateContainerResourcesAsync(new UpdateContainerResourcesRequest { ContainerId = spinnerId, Linux = update }, CriClient.Deadline());
        Assert.Equal((2 * MemoryLimit).ToString(CultureInfo.InvariantCulture), WasmPodProbe.ReadCgroupFile("memory", cgroup, "memory.limit_in_bytes"));
        Assert.Equal("20000", WasmPodProbe.ReadCgroupFile("cpu", cgroup, "cpu.cfs_quota_us"));
        Assert.Equal("512", WasmPodProbe.ReadCgroupFile("cpu", cgroup, "cpu.shares"));
        Assert.True(HostProcesses.IsAlive(cell), "the spinner's cell died during the update");

        await WasmPodProbe.StopRemoveAndAssertGoneAsync(env, cri, pod, ip, portsBefore);
    }

    [GeneratedRegex(@"stdout F cri-malloc: malloc failed after (\d+) bytes in \d+ blocks")]
    private static partial Regex MallocFailed();
}
