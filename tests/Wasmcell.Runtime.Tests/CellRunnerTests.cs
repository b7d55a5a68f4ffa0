using System.Text;
using Wasmcell.Runtime;
using Wasmcell.Runtime.GuestMemory;

namespace Wasmcell.Runtime.Tests;

public sealed class CellRunnerTests : IDisposable
{
    private readonly WasmEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    private Wasmtime.Module Wat(string text) => ModuleLoader.Load(_engine, "/test.wat", Encoding.UTF8.GetBytes(text));

    private static CellSpec Spec(string entry = "_start") => new() { ModulePath = "/test.wat", Entry = entry, Args = ["test"] };

    [Fact]
    public void Returning_from_start_is_exit_zero()
    {
        var outcome = new CellRunner(_engine).Run(Wat("(module (func (export \"_start\")))"), Spec());
        Assert.Equal(0, outcome.ExitCode);
        Assert.Null(outcome.TrapMessage);
    }

    [Fact]
    public void Proc_exit_code_is_the_exit_code()
    {
        var outcome = new CellRunner(_engine).Run(Wat("""
            (module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                    (memory (export "memory") 1)
                    (func (export "_start") (call $exit (i32.const 42))))
            """), Spec());
        Assert.Equal(42, outcome.ExitCode);
    }

    [Fact]
    public void Trap_is_exit_134_with_the_cause()
    {
        var outcome = new CellRunner(_engine).Run(Wat("(module (func (export \"_start\") unreachable))"), Spec());
        Assert.Equal(ExitCodes.Trap, outcome.ExitCode);
        Assert.Contains("unreachable", outcome.TrapMessage);
    }

    [Fact]
    public void Out_of_bounds_load_traps()
    {
        var outcome = new CellRunner(_engine).Run(Wat("(module (memory 1) (func (export \"_start\") (drop (i32.load (i32.const 70000)))))"), Spec());
        Assert.Equal(ExitCodes.Trap, outcome.ExitCode);
        Assert.Contains("out of bounds", outcome.TrapMessage);
    }

    [Fact]
    public async Task Stop_ends_a_spinning_guest_with_143()
    {
        var runner = new CellRunner(_engine);
        var module = Wat("(module (func (export \"_start\") (loop $l (br $l))))");
        var run = Task.Run(() => runner.Run(module, Spec()));
        await Task.Delay(100);
        Assert.False(run.IsCompleted);
        runner.Stop();
        var outcome = await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(ExitCodes.Terminated, outcome.ExitCode);
    }

    [Fact]
    public async Task Stopping_one_runner_leaves_another_on_the_same_engine_running()
    {
        // A shared cell: the epoch bump that stops one guest reaches every store of the engine.
        var module = Wat("""
            (module (global $n (export "n") (mut i64) (i64.const 0))
                    (func (export "_start") (loop $l (global.set $n (i64.add (global.get $n) (i64.const 1))) (br $l))))
            """);
        var (stopped, survivor) = (new CellRunner(_engine), new CellRunner(_engine));
        var first = Task.Factory.StartNew(() => stopped.Run(module, Spec()), TaskCreationOptions.LongRunning);
        var second = Task.Factory.StartNew(() => survivor.Run(module, Spec()), TaskCreationOptions.LongRunning);
        await Task.Delay(100);

        stopped.Stop();
        Assert.Equal(ExitCodes.Terminated, (await first.WaitAsync(TimeSpan.FromSeconds(10))).ExitCode);
        _engine.Interrupt(); // and once more, with no runner stopped
        await Task.Delay(200);
        Assert.False(second.IsCompleted, "a guest whose runner was not stopped ended with the other one");

        survivor.Stop();
        Assert.Equal(ExitCodes.Terminated, (await second.WaitAsync(TimeSpan.FromSeconds(10))).ExitCode);
    }

    [Fact]
    public void Named_entry_is_called()
    {
        var module = Wat("(module (func (export \"_start\") unreachable) (func (export \"other\")))");
        Assert.Equal(0, new CellRunner(_engine).Run(module, Spec("other")).ExitCode);
    }

    [Fact]
    public void Missing_entry_is_a_clear_error()
    {
        var ex = Assert.Throws<ModuleLoadException>(() => new CellRunner(_engine).Run(Wat("(module)"), Spec("nope")));
        Assert.Contains("no exported function 'nope'", ex.Message);
    }

    [Fact]
    public void Memory_limit_makes_grow_fail()
    {
        // memory.grow beyond the cap returns -1 instead of growing; the guest turns that into exit 7.
        var module = Wat("""
            (module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                    (memory (export "memory") 1)
                    (func (export "_start")
                      (if (i32.eq (memory.grow (i32.const 100)) (i32.const -1)) (then (call $exit (i32.const 7))))))
            """);
        var spec = new CellSpec { ModulePath = "/m", Args = ["m"], MemoryLimitBytes = 2 * 65536 };
        Assert.Equal(7, new CellRunner(_engine).Run(module, spec).ExitCode);
    }

    [Fact]
    public async Task A_meter_is_called_at_epoch_ticks_and_a_guest_it_holds_still_stops()
    {
        var module = Wat("""
            (module (memory (export "memory") 2)
                    (func (export "_start") (loop $l (br $l))))
            """);
        using var hold = new SemaphoreSlim(0);
        var meter = new RecordingMeter(hold);
        var runner = new CellRunner(_engine, meter);
        var run = Task.Factory.StartNew(() => runner.Run(module, Spec()), TaskCreationOptions.LongRunning);
        await Eventually.TrueAsync(() =>
        {
            _engine.Interrupt();
            return meter.Ticks > 0;
        }, "no epoch tick reached the meter");

        // The guest is held inside the meter; a stop meanwhile takes effect as the meter lets it go.
        runner.Stop();
        hold.Release();
        Assert.Equal(ExitCodes.Terminated, (await run.WaitAsync(TimeSpan.FromSeconds(10))).ExitCode);
    }

    private sealed class RecordingMeter(SemaphoreSlim? hold = null) : IGuestMeter
    {
        private int _ticks;

        public int Ticks => Volatile.Read(ref _ticks);

        public void OnTick()
        {
            Interlocked.Increment(ref _ticks);
            hold?.Wait();
        }

        public MemoryBudget? Memory => null;
    }
}
