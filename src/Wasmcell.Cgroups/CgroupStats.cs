namespace Wasmcell.Cgroups;

/// <summary>
/// What <see cref="ICgroup.Stats"/> read from the kernel's files, as plain numbers. v1 and v2 report
/// different things, so each has its own shape; the shim turns them into containerd's metrics messages.
/// </summary>
public abstract class CgroupStats
{
    /// <summary>Null without a pids controller.</summary>
    public PidsStats? Pids { get; init; }
}

/// <summary>pids.current and pids.max; a limit of 0 means "max", as containerd reports it.</summary>
public sealed class PidsStats
{
    public ulong Current { get; init; }
    public ulong Limit { get; init; }
}
