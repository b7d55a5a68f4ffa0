using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static partial class Libc
{
    /// <summary>geteuid(2) cannot fail.</summary>
    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEuid();
}
