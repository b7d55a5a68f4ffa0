using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mount(string? source, string target, string? fsType, ulong flags, string? data);
}
