using Wasmcell.Runtime.GuestMemory;
using Wasmtime;

namespace Wasmcell.Runtime;

/// <summary>
/// The process's one Wasmtime engine with the project's fixed configuration.
/// An invalid Config aborts the process inside Wasmtime (wasmtime-dotnet.md), so the settings
/// live here, in one place, and a test instantiates exactly this engine.
/// </summary>
public sealed class WasmEngine : IDisposable
{
    /// <summary>
    /// Every setting applied to the engine's Config, by name. The precompile cache's fingerprint is made from
    /// these same entries, so a changed setting can never reuse code compiled under the old one.
    /// </summary>
    // Epoch interruption lets another thread stop a spinning guest (the stop path of SIGTERM);
    // it costs a check per loop back-edge but nothing unless the epoch moves.
    internal static readonly IReadOnlyList<EngineSetting> Settings =
    [
        new("epoch-interruption", c => c.WithEpochInterruption(true)),
        new("opt-speed", c => c.WithOptimizationLevel(OptimizationLevel.Speed)),
        new("simd", c => c.WithSIMD(true)),
        new("bulk-memory", c => c.WithBulkMemory(true)),
        new("reference-types", c => c.WithReferenceTypes(true)),
        new("multi-value", c => c.WithMultiValue(true)),
    ];

    /// <summary>
    /// What a shared cell's engine adds: linear memories from <see cref="BudgetedMemoryCreator"/>, so each tenant's
    /// refused memory.grow is reported (TaskOOM), which needs copy-on-write memory initialisation off. That changes the
    /// compiled code's tunables, so these settings are part of the fingerprint: its cache entries are its own.
    /// </summary>
    internal static readonly IReadOnlyList<EngineSetting> SharedCellSettings =
    [
        .. Settings,
        new("memory-init-copy", c => c.WithMemoryInitCopyOnWrite(false)),
        new("budgeted-memory", BudgetedMemoryCreator.Install),
    ];

    /// <summary>The engine of an independent cell, the CLI and the precompiler.</summary>
    public WasmEngine()
        : this(Settings)
    {
    }

    private WasmEngine(IReadOnlyList<EngineSetting> settings)
    {
        WasmtimeLibrary.UseTheOneBesideTheExecutable();
        using var config = new Config();
        foreach (var setting in settings)
        {
            setting.Apply(config);
        }
        Engine = new Engine(config);
        ConfigFingerprint = FingerprintOf(settings);
        BudgetsMemory = settings == SharedCellSettings;
    }

    /// <summary>The engine of a shared cell (issue 13), whose tenants have no cgroup: see <see cref="SharedCellSettings"/>.</summary>
    public static WasmEngine ForSharedCell() => new(SharedCellSettings);

    /// <summary>The engine a cell of that kind runs (and its cache entries are compiled by).</summary>
    public static WasmEngine For(bool sharedCell) => sharedCell ? ForSharedCell() : new WasmEngine();

    /// <summary>
    /// True when a memory limit is held by the <see cref="MemoryBudget"/> current on the guest's thread (which reports
    /// refusals) rather than by the store's limiter (which refuses silently).
    /// </summary>
    public bool BudgetsMemory { get; }

    public Engine Engine { get; }

    /// <summary>Identifies code compiled by this engine: Wasmtime version plus settings.</summary>
    public string ConfigFingerprint { get; }

    public static string WasmtimeVersion =>
        typeof(Engine).Assembly.GetName().Version?.ToString() ?? "unknown";

    internal static string FingerprintOf(IEnumerable<EngineSetting> settings) =>
        StableHash.Hex64(WasmtimeVersion + "\n" + string.Join(';', settings.Select(s => s.Name)));

    /// <summary>Makes every store whose deadline is one epoch ahead trap with an interrupt.</summary>
    public void Interrupt() => Engine.IncrementEpoch();

    public void Dispose() => Engine.Dispose();
}

/// <summary>One engine setting: its name in the fingerprint and what it does to a Config.</summary>
internal sealed record EngineSetting(string Name, Func<Config, Config> Apply);
