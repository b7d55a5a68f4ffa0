namespace Wasmcell.Cli.Node;

/// <summary>Kernel features the shim relies on, probed by calling them.</summary>
internal enum KernelFeature
{
    /// <summary>openat2(RESOLVE_BENEATH): path resolution that cannot escape a container's rootfs (Linux 5.6).</summary>
    Openat2,
    /// <summary>pidfd_open: race-free waiting for and signalling of container processes (Linux 5.3).</summary>
    PidfdOpen,
}

/// <summary>Answers whether a kernel feature works here; the detail is shown by the doctor.</summary>
internal interface IKernelProbe
{
    (bool Available, string Detail) Probe(KernelFeature feature);
}

internal sealed class KernelProbe : IKernelProbe
{
    public unsafe (bool Available, string Detail) Probe(KernelFeature feature)
    {
        (nint Result, Interop.Errno Error) outcome;
        if (feature == KernelFeature.Openat2)
        {
            var how = new Interop.OpenHow
            {
                Flags = Interop.ORdOnly | Interop.ODirectory | Interop.OCloexec,
                Resolve = Interop.ResolveBeneath,
            };
            var path = stackalloc byte[] { (byte)'.', 0 };
            outcome = Interop.SyscallRetrying(Interop.SysOpenat2, Interop.AtFdCwd, (nint)path, (nint)(&how), sizeof(Interop.OpenHow));
        }
        else
        {
            outcome = Interop.SyscallRetrying(Interop.SysPidfdOpen, Environment.ProcessId, 0, 0, 0);
        }
        if (outcome.Result >= 0)
        {
            Interop.Close((int)outcome.Result);
            return (true, "available");
        }
        return (false, outcome.Error switch
        {
            Interop.Errno.ENOSYS => "not implemented by this kernel (ENOSYS)",
            Interop.Errno.EPERM => "blocked (EPERM), e.g. by a seccomp filter",
            _ => $"failed with {outcome.Error}",
        });
    }
}
