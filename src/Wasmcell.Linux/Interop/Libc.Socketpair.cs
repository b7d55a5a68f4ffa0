using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

public static unsafe partial class Libc
{
    [LibraryImport("libc", EntryPoint = "socketpair", SetLastError = true)]
    private static partial int SocketpairRaw(int domain, int type, int protocol, int* fds);

    /// <summary>Two connected unix sockets of <paramref name="type"/>, close-on-exec.</summary>
    public static (int A, int B) Socketpair(int type, string what)
    {
        int* fds = stackalloc int[2];
        return SocketpairRaw(AF_UNIX, type | SOCK_CLOEXEC, 0, fds) == 0
            ? (fds[0], fds[1])
            : throw new IOException($"socketpair(AF_UNIX, {what}): {ErrorText(Errno)}");
    }
}
