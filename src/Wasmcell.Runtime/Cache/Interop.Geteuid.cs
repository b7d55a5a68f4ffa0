using System.Runtime.InteropServices;

namespace Wasmcell.Runtime.Cache;

internal static partial class InteropGeteuid
{
    /// <summary>geteuid(2) cannot fail.</summary>
    [LibraryImport("libc")]
    public static partial uint geteuid();
}
