using Wasmcell.Cell;
using Wasmcell.Cell.Protocol;

// Both cell binaries: containerd-shim-wasm-v1-cell (core modules) and containerd-shim-wasm-v1-component (components
// too), which differ only in CellFeatures.Components.
// CELL __cell BUNDLE ROOTFS ID ENTRY [FUNCTION [MEMORY-TASKS]]: one Wasm container,
// spawned by the daemon with its stdio, start barrier and status pipe (CellProcess).
if (args.Length > 0 && args[0] == CellLaunch.Mode)
{
    return CellMain.Run(args);
}
// CELL __precompile ROOTFS ENTRY: fills the precompile cache on a cell's miss.
if (args.Length > 0 && args[0] == CellLaunch.PrecompileMode)
{
    return CellMain.Precompile(args);
}
// CELL __shared: many Wasm containers of one shim daemon in one process (shared mode).
if (args.Length > 0 && args[0] == SharedCellMessage.Mode)
{
    return Wasmcell.Cell.Shared.SharedCellMain.Run(args);
}
Console.Error.WriteLine($"{Path.GetFileName(Environment.ProcessPath)} runs one Wasm container for the shim's daemon; it is not run by hand ({CellLaunch.Mode} expected)");
return 2;
