using Wasmcell.Linux;
using Wasmcell.Shim;

// containerd-shim-wasm-v1: containerd execs it for `start` and for `delete` after every stop, both on the
// critical path of a container, so it answers those itself when it can and otherwise becomes the daemon
// binary (ShimBinaries) with the same arguments: the daemon, cells, version/info, the full `delete`
// clean-up after a dead daemon, and every error message.
ShimFlags? flags = null;
try
{
    flags = ShimFlags.Parse(args);
}
catch (ArgumentException)
{
}

if (flags is { Version: false, Info: false, Namespace.Length: > 0 })
{
    if (flags.Action == "start")
    {
        try
        {
            return StartCommand.Run(flags);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"containerd-shim-wasm-v1 start: {e.Message}");
            return 1;
        }
    }
    var bundle = DeleteReply.BundleOf(flags);
    if (flags.Action == "delete" && DeleteReply.IsCleaned(bundle))
    {
        DeleteReply.RemoveStaleSocket(bundle);
        DeleteReply.Write(bundle);
        return 0;
    }
}

var daemon = ShimBinaries.Daemon;
try
{
    Exec.Replace(daemon, [daemon, .. args]);
}
catch (IOException e)
{
    Console.Error.WriteLine($"containerd-shim-wasm-v1: {e.Message}; {ShimBinaries.DaemonName} must be installed beside it");
}
return 1;
