namespace Wasmcell.Wasi;

/// <summary>A host directory handed to the guest under `GuestPath` (fd_prestat_dir_name).</summary>
public sealed record Preopen(string HostPath, string GuestPath, bool ReadOnly);
