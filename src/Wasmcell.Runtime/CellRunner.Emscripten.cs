using Wasmcell.Emscripten;
using Wasmtime;

namespace Wasmcell.Runtime;

/// <summary>
/// The Emscripten 1.38 path of <see cref="CellRunner"/> (design.md "Guest ABIs"): the same store, limits and stop
/// path, with <see cref="EmscriptenHost"/> instead of WASI and `_main` instead of `_start`. The spec's preopens,
/// args, env, stdio and socket capability are given the same way (<see cref="WasiBinding.OptionsOf"/>).
/// </summary>
public sealed partial class CellRunner
{
    // How long a guest that handles SIGTERM gets to run its handler and exit before it is interrupted; the cell's
    // own 250 ms grace (CellMain) still ends the process after that.
    private static readonly TimeSpan HandlerGrace = TimeSpan.FromMilliseconds(150);

    private volatile EmscriptenHost? _emscripten;
    private Timer? _handlerGraceTimer; // a field: an unreferenced Timer may be collected before it fires
    private volatile bool _inHandlerGrace;

    private CellOutcome RunEmscripten(Module module, CellSpec spec)
    {
        using var store = new Store(_engine.Engine);
        using var budget = ApplyLimits(store, spec);
        // As in Run: a bump of the shared epoch ends this guest only once it was stopped, and not while its own
        // SIGTERM handler has its grace.
        store.SetEpochDeadline(1);
        store.SetEpochDeadlineCallback(_ => _stopRequested && !_inHandlerGrace ? throw new OperationCanceledException("the guest was stopped") : 1UL);
        using var linker = new Linker(_engine.Engine);
        using var host = new EmscriptenHost(WasiBinding.OptionsOf(spec));
        _emscripten = host;
        try
        {
            if (_stopRequested)
            {
                return CellOutcome.Exited(ExitCodes.Terminated);
            }
            host.Define(linker, store, module);
            var instance = linker.Instantiate(store, module);
            var returned = host.RunMain(instance);
            return CellOutcome.Exited(host.ExitCode ?? (returned & 0xff));
        }
        catch (WasmtimeException e) when (host.ExitCode is int code)
        {
            _ = e;
            return CellOutcome.Exited(code);
        }
        catch (WasmtimeException e) when (_stopRequested)
        {
            _ = e;
            return CellOutcome.Exited(ExitCodes.Terminated);
        }
        catch (TrapException e)
        {
            return new CellOutcome(ExitCodes.Trap, TrapText(e.Message));
        }
        catch (WasmtimeException e) when (e.InnerException is EmscriptenAbortException abort)
        {
            // abort(), a call through an empty table slot, stack overflow: what a native abort is, a trap.
            return new CellOutcome(ExitCodes.Trap, "wasm trap: " + abort.Message);
        }
        catch (EmscriptenAbortException e)
        {
            // Raised by the host outside guest code (argv on a stack the module does not export).
            return new CellOutcome(ExitCodes.Trap, "wasm trap: " + e.Message);
        }
        catch (WasmtimeException e)
        {
            return new CellOutcome(ExitCodes.LoadFailed, $"{spec.ModulePath}: {FirstLine(e.Message)}");
        }
        finally
        {
            _emscripten = null;
        }
    }

    /// <summary>
    /// Stops an Emscripten guest; false when none runs. A guest with a SIGTERM handler (nginx) gets it run from
    /// the wait it is in and exits by itself, so the epoch interrupt, which would kill the handler too, waits
    /// <see cref="HandlerGrace"/> (and other runners' bumps meanwhile leave it running); true then.
    /// </summary>
    private bool StopEmscripten()
    {
        if (_emscripten is not { } host)
        {
            return false;
        }
        host.RequestStop();
        if (!host.HandlesTermination)
        {
            return false;
        }
        _inHandlerGrace = true;
        _handlerGraceTimer = new Timer(_ =>
        {
            _inHandlerGrace = false;
            _engine.Interrupt();
        }, null, HandlerGrace, Timeout.InfiniteTimeSpan);
        return true;
    }
}
