using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mkfifo(string path, int mode);
}
