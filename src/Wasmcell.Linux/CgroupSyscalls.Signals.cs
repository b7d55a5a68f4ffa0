using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

/// <summary>kill(2) for signalling every process of a cgroup.</summary>
public static partial class CgroupSyscalls
{
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillRaw(int pid, int signal);

    public static Errno Kill(int pid, int signal) =>
        KillRaw(pid, signal) == 0 ? Errno.None : ErrnoExtensions.Last();
}
