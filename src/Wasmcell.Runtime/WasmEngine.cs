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

    public WasmEngine()
    {
        WasmtimeLibrary.UseTheOneBesideTheExecutable();
        using var config = new Config();
        foreach (var setting in Settings)
        {
            setting.Apply(config);
        }
        Engine = new Engine(config);
        ConfigFingerprint = FingerprintOf(Settings);
    }

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
