using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static partial class Libc
{
    /// <summary>usleep(3): a sleep shorter than .NET's timer tick (Thread.Sleep(1) is ~1 ms or more).</summary>
    [LibraryImport("libc", EntryPoint = "usleep")]
    public static partial int Usleep(uint microseconds);
}
