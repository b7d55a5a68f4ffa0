using Wasmcell.Linux;

namespace Wasmcell.Cgroups;

/// <summary>A cgroupfs operation failed; <see cref="Errno"/> keeps the kernel's reason (EINVAL for a rejected value, EBUSY, ...).</summary>
public sealed class CgroupException : IOException
{
    internal CgroupException(string operation, string path, Errno errno)
        : base($"cgroup {operation} {path}: {errno}")
    {
        Operation = operation;
        FilePath = path;
        ErrnoValue = (int)errno;
    }

    public string Operation { get; }

    public string FilePath { get; }

    /// <summary>The raw errno (Linux numbering).</summary>
    public int ErrnoValue { get; }

    internal Errno Errno => (Errno)ErrnoValue;
}
