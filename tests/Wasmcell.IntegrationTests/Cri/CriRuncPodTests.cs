using System.Text.RegularExpressions;
using Wasmcell.IntegrationTests.Cri.V1;
using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>
/// Proves the CRI environment itself with the default (runc) handler, the way kubelet drives it:
/// a pod with its own netns on the wcb0 bridge, busybox httpd reachable from the host at the pod IP,
/// stdout/stderr in the CRI log file, graceful stop, and nothing left after Stop/Remove. Root.
/// </summary>
[Collection(CriEnvironmentCollection.Name)]
public sealed partial class CriRuncPodTests(CriEnvironment env)
{
    private const string Manifest = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
          labels: { app: web }
        spec:
          terminationGracePeriodSeconds: 10
          containers:
            - name: httpd
              image: busybox:1.36
              command: ["/bin/sh", "-c"]
              # sh stays PID 1 with a TERM trap (busybox httpd as PID 1 ignores SIGTERM: pitfall 3).
              args:
                - |
                  echo hello-stdout
                  echo hello-stderr >&2
                  httpd -f -vv -p 8080 -h /www &
                  trap 'echo got-SIGTERM; kill $!; exit 0' TERM
                  wait
              ports: [{ containerPort: 8080 }]
              resources:
                limits: { cpu: 200m, memory: 32Mi }
        """;

    [Fact]
    public async Task Runc_pod_serves_http_at_its_ip_logs_to_the_cri_log_and_leaves_nothing_after_removal()
    {
        var cri = env.Cri;
        var manifest = PodManifest.Parse(Manifest, "inline web pod");
        var placement = env.NewPlacement("default", "web-" + Guid.NewGuid().ToString("N")[..6]);
        var portsBefore = await env.BridgePortsAsync();

        var pod = await PodLifecycle.StartAsync(cri, manifest, env.RuntimeClasses, placement);
        var containerId = pod.ContainerId("httpd");

        // The sandbox: ready, runc, an IP on our subnet, its own netns under our state dir.
        var sandbox = await cri.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.SandboxId, Verbose = true }, CriClient.Deadline());
        Assert.Equal(PodSandboxState.SandboxReady, sandbox.Status.State);
        Assert.Equal("", sandbox.Status.RuntimeHandler);
        var ip = sandbox.Status.Network.Ip;
        Assert.StartsWith("10.89.", ip);
        Assert.Contains(env.NetnsDir, sandbox.Info["info"]);
        Assert.Single((await env.BridgePortsAsync()).Except(portsBefore));

        var status = await cri.Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = containerId }, CriClient.Deadline());
        Assert.Equal(ContainerState.ContainerRunning, status.Status.State);
        var logPath = Path.Combine(placement.LogDirectory, "httpd", "0.log");
        Assert.Equal(logPath, status.Status.LogPath);
        var listed = await cri.Runtime.ListContainersAsync(new ListContainersRequest { Filter = new ContainerFilter { PodSandboxId = pod.SandboxId } }, CriClient.Deadline());
        Assert.Equal(containerId, Assert.Single(listed.Containers).Id);

        // From the host, over the bridge only: check the route before sending anything.
        var route = await CommandRunner.RunAsync("ip", ["route", "get", ip], TimeSpan.FromSeconds(5));
        Assert.Contains($"dev {CriEnvironment.Bridge}", route.Stdout);
        var body = await CurlAsync($"http://{ip}:8080/");
        Assert.Equal(CriEnvironment.WebIndex, body);

        var stats = await cri.Runtime.ContainerStatsAsync(new ContainerStatsRequest { ContainerId = containerId }, CriClient.Deadline());
        Assert.True(stats.Stats.Memory.WorkingSetBytes.Value > 0, "working set should be reported");
        Assert.True(stats.Stats.Cpu.UsageCoreNanoSeconds.Value > 0, "cpu usage should be reported");

        // StopContainer: SIGTERM reaches sh, whose trap exits 0.
        await cri.Runtime.StopContainerAsync(new StopContainerRequest { ContainerId = containerId, Timeout = manifest.TerminationGracePeriodSeconds }, CriClient.Deadline());
        var stopped = await cri.Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = containerId }, CriClient.Deadline());
        Assert.Equal(ContainerState.ContainerExited, stopped.Status.State);
        Assert.Equal(0, stopped.Status.ExitCode);
        Assert.Equal("Completed", stopped.Status.Reason);

        var log = await File.ReadAllLinesAsync(logPath);
        Assert.All(log, line => Assert.Matches(CriLogLine(), line));
        Assert.Contains(log, l => l.EndsWith(" stdout F hello-stdout", StringComparison.Ordinal));
        Assert.Contains(log, l => l.EndsWith(" stderr F hello-stderr", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains(" stderr F ", StringComparison.Ordinal) && l.EndsWith("url:/", StringComparison.Ordinal));
        Assert.Contains(log, l => l.EndsWith(" stdout F got-SIGTERM", StringComparison.Ordinal));

        await PodLifecycle.StopAndRemoveAsync(cri, pod);

        await PodLeftovers.AssertNoneAsync(env, pod.SandboxId, ip, portsBefore);
    }

    [Fact]
    public async Task Containers_of_one_pod_share_its_network_and_two_pods_get_their_own()
    {
        // The shape of deploy/examples/wasm-with-sidecar.yaml with busybox in both roles: the control
        // for the Wasm version (a sidecar reaches the server on localhost).
        const string pair = """
            apiVersion: v1
            kind: Pod
            metadata: { name: pair }
            spec:
              terminationGracePeriodSeconds: 5
              containers:
                - name: server
                  image: busybox
                  command: ["/bin/sh", "-c", "httpd -f -p 8080 -h /www & trap 'kill $!; exit 0' TERM; wait"]
                - name: probe
                  image: busybox
                  command: ["/bin/sh", "-c"]
                  args:
                    - |
                      trap 'exit 0' TERM
                      while true; do
                        wget -q -O - http://localhost:8080/ && echo "sidecar: server answered"
                        sleep 0.2 & wait $!
                      done
            """;
        var cri = env.Cri;
        var manifest = PodManifest.Parse(pair, "inline pair pod");
        var portsBefore = await env.BridgePortsAsync();
        var first = env.NewPlacement("default", "pair-a-" + Guid.NewGuid().ToString("N")[..6]);
        var second = env.NewPlacement("default", "pair-b-" + Guid.NewGuid().ToString("N")[..6]);

        var pods = await Task.WhenAll(
            PodLifecycle.StartAsync(cri, manifest, env.RuntimeClasses, first),
            PodLifecycle.StartAsync(cri, manifest, env.RuntimeClasses, second));
        var ips = new List<string>();
        foreach (var pod in pods)
        {
            var sandbox = await cri.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.SandboxId }, CriClient.Deadline());
            ips.Add(sandbox.Status.Network.Ip);
        }

        Assert.NotEqual(ips[0], ips[1]);
        Assert.Equal(2, (await env.BridgePortsAsync()).Except(portsBefore).Count());
        foreach (var (pod, placement) in pods.Zip([first, second]))
        {
            var probeLog = Path.Combine(placement.LogDirectory, "probe", "0.log");
            Assert.True(await PodLeftovers.WaitForAsync(() => File.Exists(probeLog) && File.ReadAllText(probeLog).Contains("stdout F sidecar: server answered", StringComparison.Ordinal)),
                $"the sidecar of {pod.SandboxId} never reached the server on localhost:\n{(File.Exists(probeLog) ? File.ReadAllText(probeLog) : "(no log)")}");
        }
        foreach (var ip in ips)
        {
            Assert.Equal(CriEnvironment.WebIndex, await CurlAsync($"http://{ip}:8080/"));
        }

        await Task.WhenAll(pods.Select(p => PodLifecycle.StopAndRemoveAsync(cri, p)));

        for (var i = 0; i < pods.Length; i++)
        {
            await PodLeftovers.AssertNoneAsync(env, pods[i].SandboxId, ips[i], portsBefore);
        }
    }

    private static async Task<string> CurlAsync(string url)
    {
        // httpd starts a moment after StartContainer returns: retry refused connections briefly.
        CommandResult? last = null;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            last = await CommandRunner.RunAsync("curl", ["-sS", "--max-time", "2", url], TimeSpan.FromSeconds(10));
            if (last.ExitCode == 0)
            {
                return last.Stdout;
            }
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"curl {url} failed: {last!.Describe()}");
    }

    // CRI log format: RFC3339Nano timestamp, stream, P(artial)/F(ull) tag, the line.
    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d\d:\d\d) (stdout|stderr) [PF] ")]
    private static partial Regex CriLogLine();
}
