using System.Diagnostics.CodeAnalysis;

namespace Wasmcell.Cell;

/// <summary>
/// What a cell binary carries, decided when it is compiled. Components (wasi:cli commands and wasi:http proxies,
/// with their HTTP server and outgoing http/https client) need System.Net.Security, X509 and more: 4 MB of the
/// binary, which every cell maps and relocates at start (PIE) whatever it runs. So the core-module cell, the one
/// nearly every container starts, is compiled with the switch off and the component code trimmed out of it; the
/// component cell (ShimBinaries.ComponentCell) has it on.
/// </summary>
public static class CellFeatures
{
    public const string ComponentsSwitch = "Wasmcell.Cell.Components";

    [FeatureSwitchDefinition(ComponentsSwitch)]
    public static bool Components => !AppContext.TryGetSwitch(ComponentsSwitch, out var on) || on;
}
