using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Wasmcell.Wasi.Abi;
using Wasmcell.Wasi.Sys;

namespace Wasmcell.Wasi.Groups;

/// <summary>
/// The WasmEdge socket extension (imports under wasi_snapshot_preview1, ABI of the
/// wasmedge_wasi_socket crate). Addresses are a guest `WasiAddress { buf: u32, size: u32 }`:
/// size 4 = IPv4 bytes, 16 = IPv6 bytes, 128 = u16 family (1 = inet4, 2 = inet6) then the bytes.
/// Families: 1 = inet4, 2 = inet6 (0 = unspecified, taken as inet4); socket types 1 = datagram,
/// 2 = stream (0 = any, taken as stream). Gated by WasiOptions.AllowSocketExtension.
/// </summary>
internal static unsafe partial class Sock
{
    /// <summary>sock_open(family, type, *fd).</summary>
    public static Errno SockOpen(WasiHost h, int family, int type, int fdPtr)
    {
        int af = family switch { 0 or 1 => Libc.AF_INET, 2 => Libc.AF_INET6, _ => -1 };
        int st = type switch { 0 or 2 => Libc.SOCK_STREAM, 1 => Libc.SOCK_DGRAM, _ => -1 };
        if (af < 0)
        {
            return Errno.AfNoSupport;
        }

        if (st < 0)
        {
            return Errno.ProtoType;
        }

        int fd = Libc.Socket(af, st | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            return ErrnoMapping.FromLinux(Libc.Errno);
        }

        return Insert(h, new FdEntry
        {
            HostFd = fd,
            Type = st == Libc.SOCK_STREAM ? FileType.SocketStream : FileType.SocketDgram,
            Base = Rights.Socket,
            Inheriting = Rights.Socket,
        }, fdPtr);
    }

    /// <summary>Reads a guest WasiAddress + port into a Linux sockaddr (at most 28 bytes).</summary>
    private static Errno ReadAddress(WasiHost h, int addrPtr, int port, Span<byte> sockaddr, out uint length)
    {
        length = 0;
        uint buf = h.Memory.ReadU32(addrPtr);
        uint size = h.Memory.ReadU32(addrPtr + 4);
        var bytes = h.Memory.Span((int)buf, size);
        ReadOnlySpan<byte> ip;
        if (size == 4 || size == 16)
        {
            ip = bytes;
        }
        else if (size >= 18)
        {
            ushort family = BinaryPrimitives.ReadUInt16LittleEndian(bytes);
            ip = family switch { 0 or 1 => bytes.Slice(2, 4), 2 => bytes.Slice(2, 16), _ => default };
            if (ip.IsEmpty)
            {
                return Errno.AfNoSupport;
            }
        }
        else
        {
            return Errno.Inval;
        }

        sockaddr.Clear();
        if (ip.Length == 4)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(sockaddr, Libc.AF_INET);
            BinaryPrimitives.WriteUInt16BigEndian(sockaddr[2..], (ushort)port);
            ip.CopyTo(sockaddr[4..]);
            length = 16;
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(sockaddr, Libc.AF_INET6);
            BinaryPrimitives.WriteUInt16BigEndian(sockaddr[2..], (ushort)port);
            ip.CopyTo(sockaddr[8..]);
            length = 28;
        }
        return Errno.Success;
    }

    /// <summary>sock_bind(fd, *addr, port).</summary>
    public static Errno SockBind(WasiHost h, int fd, int addr, int port)
    {
        var e = Socket(h, fd, out var entry);
        if (e != Errno.Success)
        {
            return e;
        }

        Span<byte> sa = stackalloc byte[28];
        e = ReadAddress(h, addr, port, sa, out uint len);
        if (e != Errno.Success)
        {
            return e;
        }

        int one = 1;
        Libc.Setsockopt(entry.HostFd, Libc.SOL_SOCKET, 2 /* SO_REUSEADDR */, &one, 4);
        fixed (byte* p = sa)
        {
            return Libc.Bind(entry.HostFd, p, len) == 0 ? Errno.Success : ErrnoMapping.FromLinux(Libc.Errno);
        }
    }

    /// <summary>sock_listen(fd, backlog).</summary>
    public static Errno SockListen(WasiHost h, int fd, int backlog)
    {
        var e = Socket(h, fd, out var entry);
        if (e != Errno.Success)
        {
            return e;
        }

        return Libc.Listen(entry.HostFd, Math.Clamp(backlog, 1, 4096)) == 0 ? Errno.Success : ErrnoMapping.FromLinux(Libc.Errno);
    }

    /// <summary>sock_accept(fd, *new_fd) — WasmEdge's 2-parameter form. The new fd inherits nothing.</summary>
    public static Errno SockAcceptWasmEdge(WasiHost h, int fd, int newFd)
    {
        var e = Accept(h, fd, out var accepted);
        return e != Errno.Success ? e : Insert(h, accepted, newFd);
    }

    /// <summary>sock_connect(fd, *addr, port). Blocking unless the fd is non-blocking (then InProgress).</summary>
    public static Errno SockConnect(WasiHost h, int fd, int addr, int port)
    {
        var e = Socket(h, fd, out var entry);
        if (e != Errno.Success)
        {
            return e;
        }

        Span<byte> sa = stackalloc byte[28];
        e = ReadAddress(h, addr, port, sa, out uint len);
        if (e != Errno.Success)
        {
            return e;
        }

        int rc;
        fixed (byte* p = sa)
        {
            rc = Libc.Connect(entry.HostFd, p, len);
        }

        if (rc == 0)
        {
            return Errno.Success;
        }

        var errno = Libc.Errno;
        if (errno != LinuxErrno.EINPROGRESS)
        {
            return ErrnoMapping.FromLinux(errno);
        }

        if (entry.NonBlocking)
        {
            return Errno.InProgress;
        }

        h.Stop.WaitFor(entry.HostFd, Libc.POLLOUT);
        int err = 0; uint errLen = 4;
        Libc.Getsockopt(entry.HostFd, Libc.SOL_SOCKET, Libc.SO_ERROR, &err, &errLen);
        return err == 0 ? Errno.Success : ErrnoMapping.FromLinux((LinuxErrno)err);
    }

    /// <summary>sock_recv_from(fd, iovs, iovs_len, *addr, flags, *port?, *nread, *oflags): not offered.</summary>
    public static Errno SockRecvFrom(WasiHost h, int a0, int a1, int a2, int a3, int a4, int a5, int a6)
    {
        _ = (h, a0, a1, a2, a3, a4, a5, a6);
        return Errno.NoSys;
    }

    /// <summary>sock_send_to: not offered (UDP is out of scope).</summary>
    public static Errno SockSendTo(WasiHost h, int a0, int a1, int a2, int a3, int a4, int a5, int a6)
    {
        _ = (h, a0, a1, a2, a3, a4, a5, a6);
        return Errno.NoSys;
    }

    /// <summary>
    /// sock_getaddrinfo(node, node_len, service, service_len, *hints, *res, max_len, *res_len).
    /// `*res` points at the first of `max_len` guest-allocated WasiAddrinfo structs (28 bytes:
    /// flags u16 @0, family u8 @2, socktype u8 @3, protocol u8 @4, addrlen u32 @8, addr @12,
    /// canonname @16, canonnamelen @20, next @24), each pointing at a WasiSockaddr (family u8 @0,
    /// data_len u32 @4, data @8) whose data receives the sockaddr bytes after the family (port
    /// big-endian, then the address).
    /// </summary>
    public static Errno SockGetaddrinfo(WasiHost h, int node, int nodeLen, int service, int serviceLen, int hints, int res, int maxLen, int resLen)
    {
        string host = h.Memory.ReadString(node, nodeLen).TrimEnd('\0');
        string svc = h.Memory.ReadString(service, serviceLen).TrimEnd('\0');
        byte wantFamily = h.Memory.ReadU8(hints + 2);
        byte socktype = h.Memory.ReadU8(hints + 3);
        ushort port = 0;
        if (svc.Length > 0 && !ushort.TryParse(svc, out port))
        {
            return Errno.Inval;
        }

        IPAddress[] addresses;
        if (IPAddress.TryParse(host, out var literal))
        {
            addresses = new[] { literal };
        }
        else
        {
            try { addresses = Dns.GetHostAddresses(host.Length == 0 ? "localhost" : host); }
            catch (SocketException ex) { return ErrnoMapping.FromSocketError(ex.SocketErrorCode); }
        }
        var filtered = addresses.Where(a => wantFamily switch
        {
            1 => a.AddressFamily == AddressFamily.InterNetwork,
            2 => a.AddressFamily == AddressFamily.InterNetworkV6,
            _ => a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6,
        }).Take(Math.Max(0, maxLen)).ToArray();
        int ai = (int)h.Memory.ReadU32(res);
        Span<byte> sa = stackalloc byte[26];
        for (int i = 0; i < filtered.Length; i++)
        {
            var a = filtered[i];
            bool v4 = a.AddressFamily == AddressFamily.InterNetwork;
            h.Memory.WriteU8(ai + 2, (byte)(v4 ? 1 : 2));
            h.Memory.WriteU8(ai + 3, socktype == 0 ? (byte)2 : socktype);
            int sockaddr = (int)h.Memory.ReadU32(ai + 12);
            h.Memory.WriteU8(sockaddr, (byte)(v4 ? 1 : 2));
            int data = (int)h.Memory.ReadU32(sockaddr + 8);
            uint dataLen = h.Memory.ReadU32(sockaddr + 4);
            var dst = h.Memory.Span(data, dataLen);
            sa.Clear();
            BinaryPrimitives.WriteUInt16BigEndian(sa, port);
            if (v4)
            {
                a.GetAddressBytes().CopyTo(sa[2..]);
            }
            else
            {
                a.GetAddressBytes().CopyTo(sa[6..]);
            }

            sa[..Math.Min(sa.Length, dst.Length)].CopyTo(dst);
            h.Memory.WriteU32(sockaddr + 4, v4 ? 14u : 26u);   // sa_data_len, as WasmEdge writes it
            h.Memory.WriteU32(ai + 8, v4 ? 16u : 28u);   // the native ai_addrlen, as WasmEdge reports it
            h.Memory.WriteU32(ai + 20, 0);               // no canonical name
            int next = (int)h.Memory.ReadU32(ai + 24);
            if (next == 0) { filtered = filtered[..(i + 1)]; break; }
            ai = next;
        }
        h.Memory.WriteU32(resLen, (uint)filtered.Length);
        return filtered.Length == 0 ? Errno.NoEnt : Errno.Success;
    }

    /// <summary>WasmEdge SOL_SOCKET option numbers to Linux ones.</summary>
    private static int LinuxOption(int name) => name switch
    {
        0 => 2,
        1 => 3,
        2 => 4,
        3 => 5,
        4 => 6,
        5 => 7,
        6 => 8,
        7 => 9,
        8 => 10,
        9 => 13,
        10 => 18,
        11 => 20,
        12 => 21,
        13 => 30,
        14 => 25,
        _ => -1,
    };

    /// <summary>sock_setsockopt(fd, level, name, *value, value_len). Only SOL_SOCKET (0). Receive and
    /// send timeouts are accepted but the emulated blocking waits ignore them.</summary>
    public static Errno SockSetsockopt(WasiHost h, int fd, int level, int name, int value, int valueLen)
    {
        var e = Socket(h, fd, out var entry);
        if (e != Errno.Success)
        {
            return e;
        }

        int opt = LinuxOption(name);
        if (level != 0 || opt < 0)
        {
            return Errno.NoProtoOpt;
        }

        var bytes = h.Memory.Span(value, valueLen);
        fixed (byte* p = bytes)
        {
            return Libc.Setsockopt(entry.HostFd, Libc.SOL_SOCKET, opt, p, (uint)bytes.Length) == 0 ? Errno.Success : ErrnoMapping.FromLinux(Libc.Errno);
        }
    }

    private const int SoType = 3, SoError = 4;

    /// <summary>sock_getsockopt(fd, level, name, *value, *value_len).</summary>
    public static Errno SockGetsockopt(WasiHost h, int fd, int level, int name, int value, int valueLenPtr)
    {
        var e = Socket(h, fd, out var entry);
        if (e != Errno.Success)
        {
            return e;
        }

        int opt = LinuxOption(name);
        if (level != 0 || opt < 0)
        {
            return Errno.NoProtoOpt;
        }

        uint len = h.Memory.ReadU32(valueLenPtr);
        var bytes = h.Memory.Span(value, len);
        fixed (byte* p = bytes)
        {
            if (Libc.Getsockopt(entry.HostFd, Libc.SOL_SOCKET, opt, p, &len) != 0)
            {
                return ErrnoMapping.FromLinux(Libc.Errno);
            }
        }
        // WasmEdge reports values in its own terms: its socket types (stream 2, datagram 1) and WASI errnos.
        if (len == 4 && opt is SoType or SoError)
        {
            int v = BinaryPrimitives.ReadInt32LittleEndian(bytes);
            v = opt == SoType ? v switch { 1 => 2, 2 => 1, _ => v } : v == 0 ? 0 : (int)ErrnoMapping.FromLinux((LinuxErrno)v);
            BinaryPrimitives.WriteInt32LittleEndian(bytes, v);
        }
        h.Memory.WriteU32(valueLenPtr, len);
        return Errno.Success;
    }

    /// <summary>sock_getlocaladdr(fd, *addr, *addr_type, *port) (4-parameter form; addr_type 4 or 6).</summary>
    public static Errno SockGetlocaladdr(WasiHost h, int fd, int addr, int addrType, int port) => Name(h, fd, addr, addrType, port, peer: false);

    /// <summary>sock_getpeeraddr(fd, *addr, *addr_type, *port).</summary>
    public static Errno SockGetpeeraddr(WasiHost h, int fd, int addr, int addrType, int port) => Name(h, fd, addr, addrType, port, peer: true);

    private static Errno Name(WasiHost h, int fd, int addr, int addrType, int portPtr, bool peer)
    {
        var e = Socket(h, fd, out var entry);
        if (e != Errno.Success)
        {
            return e;
        }

        byte* sa = stackalloc byte[28];
        uint len = 28;
        int rc = peer ? Libc.Getpeername(entry.HostFd, sa, &len) : Libc.Getsockname(entry.HostFd, sa, &len);
        if (rc != 0)
        {
            return ErrnoMapping.FromLinux(Libc.Errno);
        }

        var s = new ReadOnlySpan<byte>(sa, 28);
        bool v4 = BinaryPrimitives.ReadUInt16LittleEndian(s) == Libc.AF_INET;
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(s[2..]);
        var ip = v4 ? s.Slice(4, 4) : s.Slice(8, 16);
        uint buf = h.Memory.ReadU32(addr);
        uint size = h.Memory.ReadU32(addr + 4);
        var dst = h.Memory.Span((int)buf, size);
        if (size >= 18)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(dst, (ushort)(v4 ? 1 : 2));
            ip.CopyTo(dst[2..]);
        }
        else
        {
            if (size < ip.Length)
            {
                return Errno.Inval;
            }

            ip.CopyTo(dst);
        }
        if (addrType != 0)
        {
            h.Memory.WriteU32(addrType, v4 ? 4u : 6u);
        }

        h.Memory.WriteU32(portPtr, port);
        return Errno.Success;
    }
}
