using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    [LibraryImport("libc", EntryPoint = "ppoll", SetLastError = true)]
    public static partial int Ppoll(PollFd* fds, nuint nfds, Timespec* timeout, void* sigmask);
}
