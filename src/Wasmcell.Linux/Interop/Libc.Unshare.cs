using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static partial class Libc
{
    public const int CLONE_NEWCGROUP = 0x02000000;

    /// <summary>unshare(2): moves the caller into new namespaces (network, IPC, UTS, cgroup: the calling thread only).</summary>
    [LibraryImport("libc", EntryPoint = "unshare", SetLastError = true)]
    public static partial int Unshare(int flags);
}
