using Wasmcell.Linux;

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
        var how = new OpenHow { Flags = Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, Resolve = Libc.RESOLVE_BENEATH };
        var path = stackalloc byte[] { (byte)'.', 0 };
        long fd;
        do
        {
            if (feature == KernelFeature.Openat2)
            {
                fd = Libc.Openat2(Libc.AT_FDCWD, path, &how);
            }
            else
            {
                fd = Libc.Syscall(Libc.SYS_pidfd_open, Environment.ProcessId, 0, 0, 0);
            }
        }
        while (fd < 0 && Libc.Errno == Errno.EINTR);
        if (fd >= 0)
        {
            Libc.Close((int)fd);
            return (true, "available");
        }
        var errno = Libc.Errno;
        return (false, errno switch
        {
            Errno.ENOSYS => "not implemented by this kernel (ENOSYS)",
            Errno.EPERM => "blocked (EPERM), e.g. by a seccomp filter",
            _ => $"failed with {errno}",
        });
    }
}
