using System.Runtime.InteropServices;

namespace Wasmcell.Wasi.Interop;

/// <summary>BSD socket calls. Addresses are passed as raw sockaddr bytes.</summary>
internal static unsafe partial class Libc
{
    [LibraryImport("libc", SetLastError = true)] internal static partial int socket(int domain, int type, int protocol);
    [LibraryImport("libc", SetLastError = true)] internal static partial int bind(int fd, byte* addr, uint len);
    [LibraryImport("libc", SetLastError = true)] internal static partial int listen(int fd, int backlog);
    [LibraryImport("libc", SetLastError = true)] internal static partial int accept4(int fd, byte* addr, uint* len, int flags);
    [LibraryImport("libc", SetLastError = true)] internal static partial int connect(int fd, byte* addr, uint len);
    [LibraryImport("libc", SetLastError = true)] internal static partial nint recvmsg(int fd, MsgHdr* msg, int flags);
    [LibraryImport("libc", SetLastError = true)] internal static partial nint sendmsg(int fd, MsgHdr* msg, int flags);
    [LibraryImport("libc", SetLastError = true)] internal static partial int shutdown(int fd, int how);
    [LibraryImport("libc", SetLastError = true)] internal static partial int setsockopt(int fd, int level, int name, void* value, uint len);
    [LibraryImport("libc", SetLastError = true)] internal static partial int getsockopt(int fd, int level, int name, void* value, uint* len);
    [LibraryImport("libc", SetLastError = true)] internal static partial int getsockname(int fd, byte* addr, uint* len);
    [LibraryImport("libc", SetLastError = true)] internal static partial int getpeername(int fd, byte* addr, uint* len);

    internal const int AF_INET = 2, AF_INET6 = 10, SOCK_STREAM = 1, SOCK_DGRAM = 2,
        SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;
    internal const int SOL_SOCKET = 1, SO_TYPE = 3, SO_ERROR = 4;
    internal const int MSG_PEEK = 2, MSG_TRUNC = 0x20, MSG_WAITALL = 0x100, MSG_NOSIGNAL = 0x4000;
    internal const int SHUT_RD = 0, SHUT_WR = 1, SHUT_RDWR = 2;
    internal const int EINPROGRESS = 115;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MsgHdr
{
    public void* Name;
    public uint NameLength;
    public IoVec* Iov;
    public nuint IovLength;
    public void* Control;
    public nuint ControlLength;
    public int Flags;
}
