using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests;

/// <summary>
/// A compromised cell (issue 11): native code running inside a real cell after its sandbox is applied, as code
/// that escaped Wasmtime would. The probe is compiled only into a test build of the cell (scripts/publish-probe.sh,
/// artifacts/shim-probe), reached through the runtime io.containerd.wasmprobe.v1, and runs instead of the guest.
/// Every attempt below must fail: the system calls by the seccomp filter, the files because the cell's root
/// (cell_sandbox.c) holds no host file but what the cell needs, read-only.
/// </summary>
[Collection(PrivateContainerdCollection.Name)]
public sealed class ShimSandboxProbeTests(PrivateContainerd containerd)
{
    private const string ProbeRuntime = "io.containerd.wasmprobe.v1";

    public static TheoryData<bool> SocketPolicies => new() { false, true };

    [Theory]
    [MemberData(nameof(SocketPolicies))]
    public async Task A_compromised_cell_cannot_reach_other_processes_containerd_host_files_or_the_kernel(bool socketsAllowed)
    {
        InstallProbeShim();
        var id = containerd.NewId("probe");
        var rootfs = containerd.FreshRootfs(Flavor.Wasm, id);
        // Host files a root process could open: containerd's socket, log and metadata, and the shim's daemon beside
        // the cell binary (whose directory the cell's root has, holding only the cell binary and libwasmtime).
        string[] hostPaths =
        [
            containerd.Address, containerd.LogPath, Path.Combine(containerd.Dir, "root", "io.containerd.metadata.v1.bolt", "meta.db"),
            Path.Combine(containerd.Dir, "opt", "bin", "containerd-shim-wasm-v1-daemon"),
        ];
        Assert.All(hostPaths, p => Assert.True(File.Exists(p), $"{p} does not exist on the host, so the probe proves nothing"));
        var result = await SpecFile.RunAsync(containerd, id, WriteSpec(id, rootfs, socketsAllowed, hostPaths), runtime: ProbeRuntime);
        Assert.True(result.ExitCode == 0, result.Describe());

        var outcomes = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith("probe ", StringComparison.Ordinal))
            .ToDictionary(l => l[6..l.IndexOf(':', StringComparison.Ordinal)], l => l[(l.IndexOf(':', StringComparison.Ordinal) + 2)..]);
        string[] mustFail =
        [
            "ptrace-seize-host-process", "process_vm_readv-host-process", "kill-host-process", "kill-all", "tgkill-host-process",
            "socket-unix", "socket-netlink", "socket-packet", "unshare-user", "unshare-mount", "clone-newuser", "setns",
            "mount-tmpfs", "pivot_root", "bpf", "keyctl", "io_uring_setup", "perf_event_open", "init_module",
            // What only an allow-list refuses.
            "execve", "personality", "setpriority-host-process", "mknodat", "vmsplice", "shmget", "socketpair-unix",
            "ioctl-tiocsti", "prctl-set-dumpable", "prlimit-host-process",
        ];
        foreach (var attempt in mustFail)
        {
            Assert.True(outcomes.TryGetValue(attempt, out var outcome), $"the probe did not report {attempt}:\n{result.Stdout}");
            // EPERM/EACCES from the filter; clone-newuser's EINVAL would mean the kernel saw it.
            Assert.True(outcome is "denied EPERM" or "denied EACCES", $"{attempt}: {outcome}\n{result.Stdout}");
        }
        // A call newer than the filter knows looks absent (the kernel has fchmodat2 since 6.6 and would say EBADF).
        Assert.True(outcomes.TryGetValue("newer-fchmodat2", out var newer) && newer == "denied ENOSYS", $"newer-fchmodat2: {newer}\n{result.Stdout}");
        string[] mustBeOutOfReach =
        [
            "raise-capabilities", "read-host-shadow", "write-core_pattern", "write-sysrq-trigger", "write-cell-binary",
            "write-precompile-cache", "create-in-root", "see-other-processes",
            .. hostPaths.Select((_, i) => $"open-host-path-{i + 1}"),
        ];
        foreach (var attempt in mustBeOutOfReach)
        {
            Assert.True(outcomes.TryGetValue(attempt, out var outcome), $"the probe did not report {attempt}:\n{result.Stdout}");
            Assert.True(outcome.StartsWith("denied ", StringComparison.Ordinal), $"{attempt}: {outcome}\n{result.Stdout}");
        }
    }

    private string WriteSpec(string id, string rootfs, bool socketsAllowed, string[] hostPaths)
    {
        var spec = SpecFile.Minimal(rootfs, ["/hello.wasm"], socketsAllowed ? ["PATH=/bin", "WASMCELL_SOCKETS=allow"] : null);
        // The probe aims its signals and ptrace at containerd, and tries to open the host paths.
        spec["annotations"] = new Dictionary<string, string>
        {
            ["wasmcell.io/test-sandbox-probe"] = string.Join(':', [containerd.ContainerdPid.ToString(System.Globalization.CultureInfo.InvariantCulture), .. hostPaths]),
        };
        return SpecFile.Write(containerd, id, spec);
    }

    /// <summary>containerd finds io.containerd.wasmprobe.v1 as containerd-shim-wasmprobe-v1 in its opt/bin.</summary>
    private void InstallProbeShim()
    {
        containerd.RequireShim();
        var probeDir = Path.Combine(RepoLayout.Artifacts, "shim-probe");
        var launcher = Path.Combine(probeDir, ShimBinary.FileName);
        if (!File.Exists(Path.Combine(probeDir, ShimBinary.CellFileName)))
        {
            throw new InvalidOperationException($"no test-only probe shim in {probeDir}: run scripts/publish-probe.sh (scripts/test.sh does)");
        }
        var link = Path.Combine(containerd.Dir, "opt", "bin", "containerd-shim-wasmprobe-v1");
        if (!File.Exists(link))
        {
            File.CreateSymbolicLink(link, launcher);
        }
    }
}
