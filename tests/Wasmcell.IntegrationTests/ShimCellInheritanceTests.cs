using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests;

/// <summary>
/// A cell gets only what it needs from the daemon that spawns it (issue 11, item 5): its stdio, the status
/// socket and what it opens itself, not the daemon's other fds (containerd leaks some into its shims), and
/// not the daemon's environment (containerd's addresses, PATH, ...).
/// </summary>
[Collection(PrivateContainerdCollection.Name)]
public sealed class ShimCellInheritanceTests(PrivateContainerd containerd)
{
    private static readonly string[] CellVariables = ["WASMCELL_PRECOMPILE_DIR", "WASMTIME_BACKTRACE_DETAILS"];

    [Fact]
    public async Task Cell_holds_no_fd_of_the_daemon_and_only_the_variables_it_reads()
    {
        var id = containerd.NewId("inherit");
        var r = await containerd.RunAsync(containerd.Request(Flavor.Wasm, id, ["/sleep.wasm"]) with { Detach = true });
        Assert.True(r.ExitCode == 0, r.Describe());
        try
        {
            var task = await containerd.Ctr.WaitForStatusAsync(id, "RUNNING", TimeSpan.FromSeconds(10));
            Assert.NotNull(task);
            var daemon = HostProcesses.ParentPid(task.Pid) ?? throw new InvalidOperationException($"cell {task.Pid} has no parent");

            // A pipe or socket (named by inode) or a file open in both is the daemon's, unless it is the container's
            // stdio, which both hold by design; the status socket and barrier pipe are other ends of pairs.
            // anon_inode and /dev names say nothing about identity and are left out.
            var daemonTargets = Targets(daemon).Select(t => t.Target).ToHashSet(StringComparer.Ordinal);
            var cell = Targets(task.Pid);
            var stdio = cell.Where(t => t.Fd <= 2).Select(t => t.Target).ToHashSet(StringComparer.Ordinal);
            var shared = cell
                .Where(t => t.Fd > 2 && daemonTargets.Contains(t.Target) && !stdio.Contains(t.Target)
                    && !t.Target.StartsWith("anon_inode:", StringComparison.Ordinal) && !t.Target.StartsWith("/dev/", StringComparison.Ordinal))
                .ToList();
            Assert.True(shared.Count == 0, "the cell holds the daemon's " + string.Join(", ", shared.Select(s => $"fd {s.Fd} -> {s.Target}"))
                + "\ncell fds:\n" + string.Join('\n', HostProcesses.OpenFds(task.Pid)));

            var environ = await File.ReadAllTextAsync($"/proc/{task.Pid}/environ");
            var names = environ.Split('\0', StringSplitOptions.RemoveEmptyEntries).Select(e => e.Split('=')[0]).ToList();
            Assert.True(names.All(CellVariables.Contains), "the cell's environment: " + string.Join(' ', names));
        }
        finally
        {
            await containerd.ForgetAsync(id);
        }
        var left = await LeakCheck.LeftoversAsync(containerd, [id]);
        Assert.True(left.Count == 0, LeakCheck.Describe(left));
    }

    private static List<(int Fd, string Target)> Targets(int pid) =>
        HostProcesses.OpenFds(pid)
            .Select(line => line.Split(" -> ", 2))
            .Select(p => (int.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture), p[1]))
            .ToList();
}
