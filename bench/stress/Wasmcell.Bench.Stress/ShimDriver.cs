using System.Diagnostics;
using Containerd.Task.V2;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Wasmcell.Bench.Stress.Containerd.Runc;
using Wasmcell.Ttrpc;

namespace Wasmcell.Bench.Stress;

/// <summary>
/// Driver (b): the shim's own API with a minimal fake containerd in this process, no containerd. Per task, what
/// containerd 1.6 does for `ctr run --rm` (SPEC §2, §4.3), minus what only containerd needs:
///   bundle dir with config.json and a `log` FIFO (held open here, as containerd does);
///   `SHIM -namespace NS -address ADDR -publish-binary containerd -id ID start` in the bundle, TTRPC_ADDRESS set,
///   stdin empty, stdout+stderr read to EOF as the address;
///   ttrpc on that address: Create, Start, Wait (exit 0 expected), Delete, Shutdown; close.
/// Not done (containerd does them): Connect/State calls between, the `delete` action after the connection
/// closes, mounting a snapshot (root.path is an absolute, shared rootfs directory, as with `ctr run --rootfs`).
/// </summary>
public sealed class ShimDriver(FakeContainerd containerd, string ns, string cgroupParent, string? runcRoot)
{
    private const string TaskService = "containerd.task.v2.Task";
    private readonly System.Collections.Concurrent.ConcurrentBag<(string Bundle, int Log)> _leftovers = [];
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);

    /// <param name="shim">The shim binary containerd would resolve for the mode's runtime.</param>
    /// <param name="rootfs">An absolute directory with the program (root.path).</param>
    public async Task RunOneAsync(Mode mode, string shim, string rootfs, IReadOnlyList<string> args, string id, CancellationToken cancel)
    {
        var bundle = Path.Join(containerd.Dir, "b", id);
        Directory.CreateDirectory(bundle);
        var log = -1;
        try
        {
            await File.WriteAllTextAsync(Path.Join(bundle, "config.json"),
                RuntimeSpec.Json(mode, id, rootfs, args, [], "/", cgroupParent), cancel);
            // containerd makes the FIFO and opens it O_RDWR before `start`; runc's shim opens it O_WRONLY at start-up.
            var logPath = Path.Join(bundle, "log");
            Native.Mkfifo(logPath, 0x1c0 /* 0700 */);
            log = Native.Open(logPath, Native.O_RDWR | Native.O_NONBLOCK | Native.O_CLOEXEC);

            var address = await StartShimAsync(shim, id, bundle, cancel);
            var client = await TtrpcClient.ConnectAsync(address, cancel);
            await using (client.ConfigureAwait(false))
            {
                var create = new CreateTaskRequest { Id = id, Bundle = bundle };
                if (mode.IsRunc && runcRoot is not null)
                {
                    create.Options = new Any { TypeUrl = "containerd.runc.v1.Options", Value = new Options { Root = runcRoot }.ToByteString() };
                }
                await CallAsync(client, "Create", create, CreateTaskResponse.Parser, cancel);
                try
                {
                    await CallAsync(client, "Start", new StartRequest { Id = id }, StartResponse.Parser, cancel);
                    var exit = await CallAsync(client, "Wait", new WaitRequest { Id = id }, WaitResponse.Parser, cancel);
                    if (exit.ExitStatus != 0)
                    {
                        throw new InvalidOperationException($"{id} exited with {exit.ExitStatus}");
                    }
                }
                catch
                {
                    await KillQuietlyAsync(client, id);
                    throw;
                }
                finally
                {
                    await CallAsync(client, "Delete", new DeleteRequest { Id = id }, DeleteResponse.Parser, CancellationToken.None);
                }
                try
                {
                    await CallAsync(client, "Shutdown", new ShutdownRequest { Id = id }, Empty.Parser, cancel);
                }
                catch (TtrpcException)
                {
                    // A shim may close the connection on its way out before the reply; containerd ignores that too.
                }
            }
        }
        finally
        {
            // Both stay until the end (Cleanup): containerd holds the log FIFO open until the shim has exited (a Go
            // shim has it as its stderr and would die of SIGPIPE writing to it with no reader left), and the runc
            // shim reads `address` from its bundle to remove its socket when it exits after Shutdown.
            _leftovers.Add((bundle, log));
        }
    }

    /// <summary>Closes the log FIFOs and removes the bundles, once the shims are gone.</summary>
    public void Cleanup()
    {
        while (_leftovers.TryTake(out var leftover))
        {
            Native.Close(leftover.Log);
            try
            {
                Directory.Delete(leftover.Bundle, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>`start` as containerd execs it (SPEC §2.1-2.2): returns the address it printed.</summary>
    private async Task<string> StartShimAsync(string shim, string id, string bundle, CancellationToken cancel)
    {
        var start = new ProcessStartInfo(shim)
        {
            WorkingDirectory = bundle,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-namespace", ns, "-address", containerd.Address, "-publish-binary", "/usr/bin/containerd", "-id", id, "start" })
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["TTRPC_ADDRESS"] = containerd.TtrpcAddress;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {shim}");
        process.StandardInput.Close(); // no runtime options
        var stdout = process.StandardOutput.ReadToEndAsync(cancel);
        var stderr = process.StandardError.ReadToEndAsync(cancel);
        await process.WaitForExitAsync(cancel);
        var output = (await stdout + await stderr).Trim();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(shim)} start exited with {process.ExitCode}: {output}");
        }
        return output;
    }

    private static async Task KillQuietlyAsync(TtrpcClient client, string id)
    {
        try
        {
            await CallAsync(client, "Kill", new KillRequest { Id = id, Signal = 9, All = true }, Empty.Parser, CancellationToken.None);
            await client.CallAsync(TaskService, "Wait", new WaitRequest { Id = id }, WaitResponse.Parser, TimeSpan.FromSeconds(10));
        }
        catch (TtrpcException)
        {
        }
    }

    private static Task<T> CallAsync<T>(TtrpcClient client, string method, IMessage request, MessageParser<T> parser, CancellationToken cancel)
        where T : IMessage<T> =>
        client.CallAsync(TaskService, method, request, parser, CallTimeout, cancellationToken: cancel);
}
