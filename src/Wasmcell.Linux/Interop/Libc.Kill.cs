using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static partial class Libc
{
    /// <summary>kill(2). Returns 0, or -1 with <see cref="Errno"/> set (ESRCH: no such process).</summary>
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
