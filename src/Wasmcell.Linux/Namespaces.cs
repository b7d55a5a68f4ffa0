using System.Runtime.InteropServices;
using System.Text;

namespace Wasmcell.Linux;

/// <summary>
/// New namespaces for the calling thread (network, IPC, UTS and cgroup namespaces are per thread, so a
/// multithreaded process may make them), and what a new network or UTS namespace needs before use.
/// </summary>
public static unsafe class Namespaces
{
    private const nuint SIOCGIFFLAGS = 0x8913, SIOCSIFFLAGS = 0x8914;
    private const short IFF_UP = 0x1;

    /// <summary>struct ifreq: the interface name, then a union whose ifr_flags is what we use.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 40)]
    private struct IfReq
    {
        public fixed byte Name[16];
        public short Flags;
    }

    /// <summary>Moves the calling thread into new namespaces of the given CLONE_NEW* types.</summary>
    public static void Unshare(int types, string what)
    {
        if (Libc.Unshare(types) != 0)
        {
            throw Libc.IoError($"cannot create a new {what} namespace", Libc.Errno);
        }
    }

    public static void SetHostname(string hostname)
    {
        var bytes = Encoding.UTF8.GetBytes(hostname);
        fixed (byte* p = bytes)
        {
            if (Libc.Sethostname(p, (nuint)bytes.Length) != 0)
            {
                throw Libc.IoError($"cannot set hostname {hostname}", Libc.Errno);
            }
        }
    }

    /// <summary>
    /// Brings up <c>lo</c> in the calling thread's network namespace. A new namespace has only <c>lo</c>, and
    /// down; a container expects 127.0.0.1 to work, as it does in runc's.
    /// </summary>
    public static void BringUpLoopback()
    {
        var fd = Libc.Socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            throw Libc.IoError("cannot open a socket to configure lo", Libc.Errno);
        }
        try
        {
            var request = new IfReq();
            request.Name[0] = (byte)'l';
            request.Name[1] = (byte)'o';
            // ifreq goes where ioctl's one pointer argument goes.
            if (Libc.Ioctl(fd, SIOCGIFFLAGS, (int*)&request) != 0)
            {
                throw Libc.IoError("cannot read lo's flags", Libc.Errno);
            }
            request.Flags |= IFF_UP;
            if (Libc.Ioctl(fd, SIOCSIFFLAGS, (int*)&request) != 0)
            {
                throw Libc.IoError("cannot bring up lo", Libc.Errno);
            }
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}
