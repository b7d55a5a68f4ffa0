using Wasmcell.Runtime.Components;
using Wasmcell.Runtime.GuestMemory;
using Wasmtime;

namespace Wasmcell.Runtime;

/// <summary>
/// Runs one module to completion on the calling thread: one store, the spec's limits, WASI, and the
/// entry export. <see cref="Stop"/> (any thread) ends it with <see cref="ExitCodes.Terminated"/>.
/// </summary>
public sealed partial class CellRunner
{
    private readonly WasmEngine _engine;
    private readonly IGuestMeter? _meter;
    private volatile bool _stopRequested;
    private volatile WasiBinding? _wasi;

    /// <param name="meter">Called at each epoch tick of a running core module (a shared cell's accounting); none for a cell of its own.</param>
    public CellRunner(WasmEngine engine, IGuestMeter? meter = null)
    {
        _engine = engine;
        _meter = meter;
    }

    public bool StopRequested => _stopRequested;

    public CellOutcome Run(Module module, CellSpec spec)
    {
        if (Emscripten.EmscriptenModule.IsEmscripten(module))
        {
            return RunEmscripten(module, spec);
        }
        using var store = new Store(_engine.Engine);
        using var budget = ApplyLimits(store, spec);
        // Deadline one epoch ahead: the guest runs freely until an epoch bump, then asks whether it was this runner
        // that was stopped. Stores of other runners in the process (a shared cell) carry on one epoch further.
        // A meter may hold the thread (throttling), so the stop is asked again after it.
        store.SetEpochDeadline(1);
        store.SetEpochDeadlineCallback(_ =>
        {
            ThrowIfStopped();
            if (_meter is not null)
            {
                _meter.OnTick();
                ThrowIfStopped();
            }
            return 1UL;
        });
        using var linker = new Linker(_engine.Engine);
        using var wasi = WasiBinding.Bind(linker, store, module, spec);
        _wasi = wasi;
        try
        {
            if (_stopRequested)
            {
                return CellOutcome.Exited(ExitCodes.Terminated);
            }
            var instance = linker.Instantiate(store, module);
            var entry = instance.GetFunction(spec.Entry)
                ?? throw new ModuleLoadException($"{spec.ModulePath} has no exported function '{spec.Entry}' to run");
            entry.Invoke();
            return CellOutcome.Exited(wasi.ExitCode ?? 0);
        }
        catch (WasmtimeException e) when (wasi.ExitCode is int code)
        {
            _ = e;
            return CellOutcome.Exited(code);
        }
        catch (WasmtimeException e) when (e.ExitCode is int code)
        {
            return CellOutcome.Exited(code);
        }
        catch (TrapException e) when (_stopRequested)
        {
            _ = e;
            return CellOutcome.Exited(ExitCodes.Terminated);
        }
        catch (TrapException e)
        {
            return new CellOutcome(ExitCodes.Trap, TrapText(e.Message));
        }
        catch (WasmtimeException e) when (_stopRequested)
        {
            _ = e;
            return CellOutcome.Exited(ExitCodes.Terminated);
        }
        catch (WasmtimeException e)
        {
            return new CellOutcome(ExitCodes.LoadFailed, $"{spec.ModulePath}: {FirstLine(e.Message)}");
        }
        finally
        {
            _wasi = null;
        }
    }

    /// <summary>
    /// The spec's limits on the store. When the engine budgets memory, the memory limit is the guest thread's
    /// <see cref="MemoryBudget"/> (the meter's, which reports refusals and counts exactly; else one made from the
    /// spec's limit), otherwise the store's limiter's.
    /// </summary>
    private MemoryBudget.Scope ApplyLimits(Store store, CellSpec spec)
    {
        var memoryLimit = _engine.BudgetsMemory ? null : spec.MemoryLimitBytes;
        if (memoryLimit is not null || spec.TableElementsLimit is not null)
        {
            store.SetLimits(memorySize: memoryLimit, tableElements: spec.TableElementsLimit);
        }
        if (!_engine.BudgetsMemory)
        {
            return default;
        }
        var budget = _meter?.Memory ?? (spec.MemoryLimitBytes is long limit ? new MemoryBudget(limit) : null);
        return budget?.Enter() ?? default;
    }

    private void ThrowIfStopped()
    {
        if (_stopRequested)
        {
            throw new OperationCanceledException("the guest was stopped");
        }
    }

    /// <summary>Runs a command component's wasi:cli/run (Wasmtime's p2 WASI); <see cref="Stop"/> applies as to modules.</summary>
    public CellOutcome Run(CommandComponent component, CellSpec spec) =>
        CommandComponentRun.Run(_engine, component, spec, () => _stopRequested);

    /// <summary>Stops the guest: blocking host calls return, running code traps at its next epoch check.</summary>
    public void Stop()
    {
        _stopRequested = true;
        _wasi?.RequestStop();
        if (StopEmscripten())
        {
            return;
        }
        _engine.Interrupt();
    }

    /// <summary>
    /// Wasmtime's trap text puts the backtrace first and the cause after "Caused by:"; the container's
    /// stderr gets the cause first ("wasm trap: wasm `unreachable` instruction executed"), then the frames.
    /// </summary>
    internal static string TrapText(string message)
    {
        var lines = message.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var caused = lines.FindIndex(l => l.StartsWith("Caused by:", StringComparison.Ordinal));
        if (caused < 0)
        {
            return message.Trim();
        }
        var cause = string.Join("; ", lines.Skip(caused + 1));
        if (!cause.StartsWith("wasm trap", StringComparison.Ordinal))
        {
            cause = "wasm trap: " + cause;
        }
        var frames = lines.Take(caused).Skip(1).Select(f => "    " + f);
        return string.Join('\n', frames.Prepend(cause));
    }

    private static string FirstLine(string message)
    {
        var i = message.IndexOf('\n');
        return (i < 0 ? message : message[..i]).Trim();
    }
}
