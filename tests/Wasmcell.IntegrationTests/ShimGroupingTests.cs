using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests;

/// <summary>
/// One shim serves every container of a group (annotation io.kubernetes.cri.sandbox-id, set here with
/// `ctr run --annotation`, as CRI sets it): one socket, one listener; deleting one container leaves the
/// others and the shim alone; the shim exits once the last one is deleted.
/// </summary>
[Collection(PrivateContainerdCollection.Name)]
public sealed class ShimGroupingTests(PrivateContainerd containerd)
{
    [Theory]
    [InlineData(Flavor.Wasm)]
    [InlineData(Flavor.Runc)]
    public async Task One_shim_serves_the_group_and_exits_after_the_last_delete(Flavor flavor)
    {
        var sandbox = containerd.NewId("group-sandbox");
        var member = containerd.NewId("group-member");
        var finished = containerd.NewId("group-finished");
        var programs = new Programs(flavor);
        var socket = containerd.ShimSocketOf(sandbox);
        try
        {
            // The sandbox carries its own id as group, like CRI's pause container.
            foreach (var id in new[] { sandbox, member })
            {
                var run = await containerd.RunAsync(containerd.Request(flavor, id, programs.Sleep).InGroup(sandbox) with { Detach = true });
                Assert.True(run.ExitCode == 0, run.Describe());
                Assert.Equal("RUNNING", (await containerd.Ctr.WaitForStatusAsync(id, "RUNNING", TimeSpan.FromSeconds(10)))?.Status);
            }
            var exited = await containerd.RunAsync(containerd.Request(flavor, finished, programs.ExitCode(5)).InGroup(sandbox));
            Assert.True(exited.ExitCode == 5, exited.Describe());

            var shims = HostProcesses.ListenersOn(socket);
            Assert.True(shims.Count == 1, $"expected one shim listening on {socket}, found [{string.Join(", ", shims)}]");
            var shim = shims[0];
            foreach (var id in new[] { sandbox, member })
            {
                var address = await File.ReadAllTextAsync(Path.Combine(containerd.BundlesDir, id, "address"));
                Assert.Equal("unix://" + socket, address.Trim());
            }
            Assert.False(File.Exists(containerd.ShimSocketOf(member)), "the member got a socket (and shim) of its own");

            // Deleting one container touches only that one.
            await containerd.Ctr.RunAsync("tasks", "kill", "--signal", "SIGKILL", member);
            Assert.Equal("STOPPED", (await containerd.Ctr.WaitForStatusAsync(member, "STOPPED", TimeSpan.FromSeconds(10)))?.Status);
            var delete = await containerd.Ctr.RunAsync("tasks", "delete", member);
            Assert.True(delete.ExitCode == 0, delete.Describe());
            await containerd.Ctr.RunAsync("containers", "rm", member);
            Assert.Null(await containerd.Ctr.TaskAsync(member));
            Assert.Equal("RUNNING", (await containerd.Ctr.TaskAsync(sandbox))?.Status);
            Assert.True(HostProcesses.IsAlive(shim), "the shim exited while its group still had a running container");
            Assert.Equal([shim], HostProcesses.ListenersOn(socket));

            // Deleting the last one lets Shutdown end the shim.
            await containerd.Ctr.RunAsync("tasks", "kill", "--signal", "SIGKILL", sandbox);
            Assert.Equal("STOPPED", (await containerd.Ctr.WaitForStatusAsync(sandbox, "STOPPED", TimeSpan.FromSeconds(10)))?.Status);
            Assert.True((await containerd.Ctr.RunAsync("tasks", "delete", sandbox)).ExitCode == 0);
            await containerd.Ctr.RunAsync("containers", "rm", sandbox);
            Assert.True(await HostProcesses.WaitGoneAsync(shim, TimeSpan.FromSeconds(10)), "the shim outlived its last container");
        }
        finally
        {
            await containerd.ForgetAsync(member);
            await containerd.ForgetAsync(sandbox);
        }
        var left = await LeakCheck.LeftoversAsync(containerd, [sandbox, member, finished]);
        Assert.True(left.Count == 0, LeakCheck.Describe(left));
        Assert.False(File.Exists(socket), $"group socket {socket} left behind");
    }
}
