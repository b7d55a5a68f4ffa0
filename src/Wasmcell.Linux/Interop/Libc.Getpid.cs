using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static partial class Libc
{
    /// <summary>getpid(2) cannot fail.</summary>
    [LibraryImport("libc", EntryPoint = "getpid")]
    public static partial int GetPid();
}
