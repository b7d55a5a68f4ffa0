using Wasmtime;
using Wasmtime.Components;

namespace Wasmcell.Runtime.Components;

/// <summary>
/// Runs a command component's <c>wasi:cli/run</c> on the calling thread with Wasmtime's own WASI preview2: one
/// store with the spec's memory limit and an epoch deadline (so <see cref="CellRunner.Stop"/> interrupts running
/// code; a guest blocked in a host call is not interrupted, the cell's stop path ends the process instead).
/// </summary>
internal static class CommandComponentRun
{
    /// <summary>
    /// The exit code is as faithful as preview2 allows: <c>wasi:cli/exit.exit</c> takes only ok or error, so the
    /// preview1 adapter turns every <c>proc_exit(n)</c> with n ≠ 0 into 1 (<c>exit-with-code</c> is unstable
    /// and not linked by Wasmtime's p2). run returning error is 1 too.
    /// </summary>
    public static CellOutcome Run(WasmEngine engine, CommandComponent command, CellSpec spec, Func<bool> stopRequested)
    {
        using var store = new Store(engine.Engine);
        if (spec.MemoryLimitBytes is long limit)
        {
            store.SetLimits(memorySize: limit);
        }
        // Before instantiation, which already runs guest code. As for modules (CellRunner): an epoch bump traps this
        // store only if its own runner was stopped; other stores in the process carry on one epoch further.
        store.SetEpochDeadline(1);
        store.SetEpochDeadlineCallback(_ => stopRequested() ? throw new OperationCanceledException("the guest was stopped") : 1UL);
        using (var wasi = WasiP2Config.From(spec))
        {
            wasi.MoveInto(store);
        }
        using var linker = new ComponentLinker(engine.Engine);
        linker.AddWasiPreview2();
        if (stopRequested())
        {
            return CellOutcome.Exited(ExitCodes.Terminated);
        }
        ComponentFunction run;
        try
        {
            var instance = linker.Instantiate(store, command.Component);
            run = instance.GetFunction(ComponentWorlds.RunInterface, "run")
                ?? throw new ModuleLoadException($"{command.Path} exports no function run in {ComponentWorlds.RunInterface}");
        }
        catch (WasmtimeException e) when (!IsTrap(e) && e.ExitCode is null)
        {
            // Unsatisfied imports (an interface Wasmtime's p2 does not provide) and the like: the component cannot start.
            return new CellOutcome(ExitCodes.LoadFailed, $"{command.Path}: {FirstLine(e.Message)}");
        }
        catch (WasmtimeException e)
        {
            return Ended(e, stopRequested);
        }
        try
        {
            var result = run.Call();
            return CellOutcome.Exited(result is { Kind: ComponentValueKind.Result, IsOk: false } ? 1 : 0);
        }
        catch (WasmtimeException e)
        {
            return Ended(e, stopRequested);
        }
    }

    private static CellOutcome Ended(WasmtimeException e, Func<bool> stopRequested) =>
        e.ExitCode is int code ? CellOutcome.Exited(code)
        : stopRequested() ? CellOutcome.Exited(ExitCodes.Terminated)
        : new CellOutcome(ExitCodes.Trap, CellRunner.TrapText(e.Message));

    private static bool IsTrap(WasmtimeException e) => e.Message.Contains("wasm trap", StringComparison.Ordinal) || e.Message.Contains("wasm backtrace", StringComparison.Ordinal);

    private static string FirstLine(string message)
    {
        var i = message.IndexOf('\n');
        return (i < 0 ? message : message[..i]).Trim();
    }
}
