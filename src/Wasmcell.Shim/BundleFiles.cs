namespace Wasmcell.Shim;

/// <summary>Shim-private files in a bundle.</summary>
public static class BundleFiles
{
    public const string Address = "address";
    public const string InitPid = "init.pid";
    public const string ExitStatus = "wasmcell-exit";
    public const string Kind = "wasmcell-kind";

    /// <summary>Written by the daemon once Delete removed the process, cgroup and mounts.</summary>
    public const string Cleaned = "wasmcell-cleaned";
}
