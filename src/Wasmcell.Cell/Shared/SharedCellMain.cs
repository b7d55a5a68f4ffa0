using Wasmcell.Cell.Protocol;
using Wasmcell.Oci.RuntimeSpec;
using Wasmcell.Runtime;

namespace Wasmcell.Cell.Shared;

/// <summary>
/// <c>__shared</c>: one sandboxed process hosting many Wasm containers (issue 13's shared mode), a store and a guest
/// thread each. The daemon hands it containers over <see cref="SharedCellMessage.ControlFd"/>; the process lives
/// until that channel closes (the daemon is gone), and it takes every guest with it.
/// </summary>
public static class SharedCellMain
{
    public static int Run(IReadOnlyList<string> args)
    {
        _ = args;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        string sandbox;
        try
        {
            sandbox = CellSandbox.Report();
        }
        catch (NotSupportedException e)
        {
            CellMain.Report(CellStatus.Error + e.Message);
            return ExitCodes.LoadFailed;
        }
        using var engine = WasmEngine.ForSharedCell();
        // Every tenant's thread starts after this and inherits it. Sockets are not the tenants' to open: the
        // process is in a network namespace of its own and a tenant's listeners would have to come from the daemon.
        CellSeccomp.Apply(new Spec(), socketsAllowed: false);
        CellMain.Report(CellStatus.Ready + FormattableString.Invariant($" shared cell ready in {clock.Elapsed.TotalMilliseconds:0.0} ms ({sandbox} before the runtime)"));
        new SharedCellHost(engine, SharedCellMessage.ControlFd).Serve();
        return 0;
    }
}
