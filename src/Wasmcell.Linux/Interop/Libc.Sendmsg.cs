using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    public static partial nint Sendmsg(int fd, MsgHdr* msg, int flags);
}
