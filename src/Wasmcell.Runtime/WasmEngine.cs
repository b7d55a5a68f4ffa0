using Wasmtime;

namespace Wasmcell.Runtime;

/// <summary>
/// The process's one Wasmtime engine with the project's fixed configuration.
/// An invalid Config aborts the process inside Wasmtime (wasmtime-dotnet.md), so the settings
/// live here, in one place, and a test instantiates exactly this engine.
/// </summary>
public sealed class WasmEngine : IDisposable
{
    // Epoch interruption lets another thread stop a spinning guest (the stop path of SIGTERM);
    // it costs a check per loop back-edge but nothing unless the epoch moves.
    private const string Settings = "epoch-interruption;opt-speed;simd;bulk-memory;reference-types;multi-value";

    public WasmEngine()
    {
        WasmtimeLibrary.UseTheOneBesideTheExecutable();
        using var config = new Config()
            .WithEpochInterruption(true)
            .WithOptimizationLevel(OptimizationLevel.Speed)
            .WithSIMD(true)
            .WithBulkMemory(true)
            .WithReferenceTypes(true)
            .WithMultiValue(true);
        Engine = new Engine(config);
        ConfigFingerprint = StableHash.Hex64(WasmtimeVersion + "\n" + Settings);
    }

    public Engine Engine { get; }

    /// <summary>Identifies code compiled by this engine: Wasmtime version plus settings.</summary>
    public string ConfigFingerprint { get; }

    public static string WasmtimeVersion =>
        typeof(Engine).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>Makes every store whose deadline is one epoch ahead trap with an interrupt.</summary>
    public void Interrupt() => Engine.IncrementEpoch();

    public void Dispose() => Engine.Dispose();
}
