using System.Collections.Concurrent;
using System.Text;
using Wasmcell.Runtime.Cache;
using Wasmcell.Runtime.GuestMemory;

namespace Wasmcell.Runtime.Tests.GuestMemory;

/// <summary>
/// The shared cell's engine (<see cref="WasmEngine.ForSharedCell"/>): linear memories from BudgetedMemoryCreator, the
/// memory limit held per guest thread, each refused grow reported to the meter while the guest sees memory.grow fail.
/// </summary>
public sealed class BudgetedMemoryTests : IDisposable
{
    private const long Page = 65536;
    private readonly WasmEngine _engine = WasmEngine.ForSharedCell();

    public void Dispose() => _engine.Dispose();

    private Wasmtime.Module Wat(string text) => ModuleLoader.Load(_engine, "/test.wat", Encoding.UTF8.GetBytes(text));

    private static CellSpec Spec(long? memoryLimit) => new() { ModulePath = "/test.wat", Entry = "_start", Args = ["test"], MemoryLimitBytes = memoryLimit };

    /// <summary>Exits with memory.grow's result for <paramref name="pages"/> pages after a first grow of 2 (-1 → 255).</summary>
    private Wasmtime.Module Grower(int pages) => Wat($$"""
        (module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                (memory (export "memory") 1)
                (func (export "_start")
                  (if (i32.ne (memory.grow (i32.const 2)) (i32.const 1)) (then (call $exit (i32.const 100))))
                  ;; the grown pages are there and writable
                  (i32.store (i32.const 196604) (i32.const 7))
                  (if (i32.ne (i32.load (i32.const 196604)) (i32.const 7)) (then (call $exit (i32.const 101))))
                  (call $exit (i32.and (memory.grow (i32.const {{pages}})) (i32.const 255)))))
        """);

    [Fact]
    public void A_grow_past_the_limit_fails_in_the_guest_and_reaches_the_meter()
    {
        var meter = new RefusalMeter(4 * Page);
        var outcome = new CellRunner(_engine, meter).Run(Grower(10), Spec(4 * Page));

        Assert.Equal(255, outcome.ExitCode); // memory.grow returned -1
        var refusal = Assert.Single(meter.Refusals);
        Assert.Equal(new MemoryRefusal(3 * Page, 13 * Page, 4 * Page), refusal);
    }

    [Fact]
    public void A_grow_within_the_limit_succeeds_is_counted_exactly_and_is_not_reported()
    {
        var meter = new RefusalMeter(4 * Page);
        var outcome = new CellRunner(_engine, meter).Run(Grower(1), Spec(4 * Page));

        Assert.Equal(3, outcome.ExitCode); // the old size in pages
        Assert.Empty(meter.Refusals);
        // 1 + 2 + 1 pages at the most, and given back when the store went.
        Assert.Equal((4 * Page, 0L), (meter.Memory.PeakBytes, meter.Memory.UsedBytes));
    }

    [Fact]
    public void Without_a_limit_memory_grows_freely()
    {
        Assert.Equal(3, new CellRunner(_engine, new RefusalMeter(long.MaxValue)).Run(Grower(1000), Spec(null)).ExitCode);
    }

    [Fact]
    public void Past_the_accessible_size_is_still_out_of_bounds()
    {
        // The reservation beyond the current size is mapped but inaccessible: Wasmtime's bounds checks rely on it.
        var outcome = new CellRunner(_engine).Run(Wat("""
            (module (memory 1)
                    (func (export "_start") (drop (memory.grow (i32.const 1))) (drop (i32.load (i32.const 131072)))))
            """), Spec(64 * Page));
        Assert.Equal(ExitCodes.Trap, outcome.ExitCode);
        Assert.Contains("out of bounds", outcome.TrapMessage);
    }

    [Fact]
    public void Data_segments_are_copied_in_without_copy_on_write_images()
    {
        var outcome = new CellRunner(_engine).Run(Wat("""
            (module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                    (memory (export "memory") 2)
                    (data (i32.const 70000) "\2a")
                    (func (export "_start") (call $exit (i32.load8_u (i32.const 70000)))))
            """), Spec(4 * Page));
        Assert.Equal(42, outcome.ExitCode);
    }

    [Fact]
    public void A_memory_whose_minimum_is_over_the_limit_fails_to_instantiate_and_is_reported()
    {
        var meter = new RefusalMeter(4 * Page);
        var outcome = new CellRunner(_engine, meter).Run(Wat("(module (memory (export \"memory\") 8) (func (export \"_start\")))"), Spec(4 * Page));

        Assert.Equal(ExitCodes.LoadFailed, outcome.ExitCode);
        Assert.Contains("memory limit", outcome.TrapMessage);
        Assert.Equal(0, meter.Memory.UsedBytes);
        Assert.Equal(new MemoryRefusal(0, 8 * Page, 4 * Page), Assert.Single(meter.Refusals));
    }

    [Fact]
    public async Task Each_guest_thread_has_its_own_limit_on_the_one_engine()
    {
        var module = Grower(4);
        var (tight, roomy) = (new RefusalMeter(4 * Page), new RefusalMeter(16 * Page));
        var first = Task.Factory.StartNew(() => new CellRunner(_engine, tight).Run(module, Spec(4 * Page)), TaskCreationOptions.LongRunning);
        var second = Task.Factory.StartNew(() => new CellRunner(_engine, roomy).Run(module, Spec(16 * Page)), TaskCreationOptions.LongRunning);

        Assert.Equal(255, (await first.WaitAsync(TimeSpan.FromSeconds(30))).ExitCode);
        Assert.Equal(3, (await second.WaitAsync(TimeSpan.FromSeconds(30))).ExitCode);
        Assert.Single(tight.Refusals);
        Assert.Empty(roomy.Refusals);
    }

    [Fact]
    public void Code_compiled_for_an_independent_cell_is_not_used_by_a_shared_one()
    {
        // The shared engine's tunables differ (no copy-on-write images): Wasmtime would refuse the other's code.
        using var independent = new WasmEngine();
        Assert.NotEqual(independent.ConfigFingerprint, _engine.ConfigFingerprint);
        var dir = Directory.CreateTempSubdirectory("wasmcell-budget-cache-");
        try
        {
            var wasm = Wasmtime.Module.ConvertText("(module (memory 1) (data (i32.const 0) \"x\") (func (export \"_start\")))");
            var cache = new PrecompileCache(dir.FullName);
            Assert.False(cache.Warm(independent.Engine, independent.ConfigFingerprint, wasm, "m.wasm"));
            Assert.False(cache.Warm(_engine.Engine, _engine.ConfigFingerprint, wasm, "m.wasm")); // a miss of its own
            Assert.True(cache.Warm(_engine.Engine, _engine.ConfigFingerprint, wasm, "m.wasm"));
            using var module = cache.LoadOrCompile(_engine.Engine, _engine.ConfigFingerprint, wasm, "m.wasm");
            Assert.Equal(0, new CellRunner(_engine).Run(module, Spec(4 * Page)).ExitCode);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private sealed class RefusalMeter : IGuestMeter
    {
        public RefusalMeter(long limit) => Memory = new MemoryBudget(limit, Refusals.Enqueue);

        public ConcurrentQueue<MemoryRefusal> Refusals { get; } = new();

        public MemoryBudget Memory { get; }

        public void OnTick()
        {
        }
    }
}
