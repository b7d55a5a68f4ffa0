using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static partial class Libc
{
    public const int PR_SET_PDEATHSIG = 1, PR_SET_DUMPABLE = 4, PR_CAPBSET_DROP = 24, PR_SET_CHILD_SUBREAPER = 36,
        PR_SET_NO_NEW_PRIVS = 38;

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    public static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
}
