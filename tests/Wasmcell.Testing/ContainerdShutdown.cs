using System.Globalization;

namespace Wasmcell.Testing;

/// <summary>
/// The API part of every private containerd's teardown: <see cref="RemoveAllAsync"/> kills and deletes every
/// task and removes every container in each namespace; <see cref="StopAsync"/> stops containerd itself
/// (SIGTERM so it closes its sockets; SIGKILL after 10 s).
/// </summary>
public static class ContainerdShutdown
{
    public static async Task RemoveAllAsync(string address)
    {
        var namespaces = (await CommandRunner.RunAsync("ctr", ["--address", address, "namespaces", "ls", "-q"], TimeSpan.FromSeconds(10)))
            .Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var ns in namespaces)
        {
            var ctr = new Ctr(address, ns);
            foreach (var task in await ctr.TasksAsync())
            {
                await ctr.RunAsync(["tasks", "kill", "--all", "--signal", "SIGKILL", task.Id], TimeSpan.FromSeconds(10));
            }

            foreach (var task in await ctr.TasksAsync())
            {
                await ctr.RunAsync(["tasks", "delete", "--force", task.Id], TimeSpan.FromSeconds(15));
            }

            foreach (var id in await ctr.ContainerIdsAsync())
            {
                await ctr.RunAsync(["containers", "rm", id], TimeSpan.FromSeconds(10));
            }
        }
    }

    public static async Task StopAsync(int containerdPid)
    {
        await CommandRunner.RunAsync("kill", ["-TERM", containerdPid.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
        if (!await HostProcesses.WaitGoneAsync(containerdPid, TimeSpan.FromSeconds(10)))
        {
            await HostProcesses.KillAndWaitAsync([containerdPid]);
        }
    }
}
