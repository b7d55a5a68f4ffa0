using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests;

/// <summary>
/// A shim killed with SIGKILL leaves nothing behind once `ctr task delete` has run: containerd runs the
/// shim binary's `delete` action, which must kill the container's processes, unmount, remove the cgroup
/// and the stale socket.
/// </summary>
[Collection(PrivateContainerdCollection.Name)]
public sealed class ShimCrashTests(PrivateContainerd containerd)
{
    [Theory]
    [InlineData(Flavor.Wasm)]
    [InlineData(Flavor.Runc)]
    public async Task Sigkilled_shim_leaves_nothing_after_task_delete(Flavor flavor)
    {
        var id = containerd.NewId("crash");
        var socket = containerd.ShimSocketOf(id);
        try
        {
            var run = await containerd.RunAsync(containerd.Request(flavor, id, new Programs(flavor).Sleep) with { Detach = true });
            Assert.True(run.ExitCode == 0, run.Describe());
            var task = await containerd.Ctr.WaitForStatusAsync(id, "RUNNING", TimeSpan.FromSeconds(10));
            Assert.Equal("RUNNING", task?.Status);
            var shim = Assert.Single(HostProcesses.ListenersOn(socket));

            await HostProcesses.KillAndWaitAsync([shim]);
            Assert.False(HostProcesses.IsAlive(shim));

            // containerd notices the lost connection and cleans up by itself (then delete says "not found").
            var delete = await containerd.Ctr.RunAsync("tasks", "delete", "--force", id);
            Assert.True(delete.ExitCode == 0 || delete.Stderr.Contains("not found", StringComparison.Ordinal), delete.Describe());
            await containerd.Ctr.RunAsync("containers", "rm", id);

            Assert.True(await HostProcesses.WaitGoneAsync(task!.Pid, TimeSpan.FromSeconds(10)), $"the container's process {task.Pid} survived its shim");
            // ctr created the FIFOs and removes them when it deletes a task it can still load; after a crash
            // containerd has already deleted the task, so ctr never does: client files, not the shim's.
            // containerd-shim-runc-v2 1.6 leaves its socket after SIGKILL (its `delete` does not remove it;
            // seen on this host): runc's known gap, not a harness error. The wasm shim must not have it, so
            // only the runc variant tolerates that one.
            bool Tolerated(string leftover) =>
                leftover.StartsWith("fifo ", StringComparison.Ordinal)
                || (flavor == Flavor.Runc && leftover.StartsWith($"shim socket {socket} ", StringComparison.Ordinal));
            var left = await LeakCheck.LeftoversAsync(containerd, [id], tolerate: Tolerated);
            foreach (var fifo in Directory.EnumerateFiles(containerd.FifoDir, id + "-*", SearchOption.AllDirectories))
            {
                File.Delete(fifo);
            }

            if (flavor == Flavor.Runc && File.Exists(socket) && !ShimSocket.HasListener(socket))
            {
                File.Delete(socket);
            }

            Assert.True(left.Count == 0, LeakCheck.Describe(left));
        }
        finally
        {
            await containerd.ForgetAsync(id);
        }
    }
}
