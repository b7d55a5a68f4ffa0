using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Wasmcell.Emscripten;

/// <summary>
/// getaddrinfo(node, service, *hints, **res) (ABI.md §D.9): numeric addresses and "localhost" are answered
/// without asking anyone; other names go to the host resolver, from inside the container's network namespace.
/// Each result is one guest malloc block: the 32-byte addrinfo, then its sockaddr. Errors are EAI_* codes.
/// </summary>
internal static class LibraryNetwork
{
    private const int EAI_NONAME = -2, EAI_FAMILY = -6, EAI_SERVICE = -8, EAI_MEMORY = -10;
    private const int AI_PASSIVE = 1, AddrinfoBytes = 32;

    public static int Getaddrinfo(EmscriptenHost h, int nodePtr, int servicePtr, int hints, int res)
    {
        int flags = 0, family = 0, socktype = 0, protocol = 0;
        if (hints != 0)
        {
            flags = h.Arg(hints, 0);
            family = h.Arg(hints, 1);
            socktype = h.Arg(hints, 2);
            protocol = h.Arg(hints, 3);
        }
        if (family is not (0 or Libc.AF_INET or Libc.AF_INET6))
        {
            return EAI_FAMILY;
        }
        var port = 0;
        if (servicePtr != 0)
        {
            var service = h.CString(servicePtr, 64);
            if (service is null || !int.TryParse(Encoding.ASCII.GetString(service), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535)
            {
                return EAI_SERVICE;
            }
        }
        IPAddress[] addresses;
        if (nodePtr == 0)
        {
            addresses = (flags & AI_PASSIVE) != 0 ? [IPAddress.Any] : [IPAddress.Loopback];
        }
        else
        {
            var node = Encoding.UTF8.GetString(h.CString(nodePtr, 1024) ?? []);
            if (IPAddress.TryParse(node, out var parsed))
            {
                addresses = [parsed];
            }
            else if (node == "localhost")
            {
                addresses = [IPAddress.Loopback];
            }
            else
            {
                try
                {
                    addresses = Dns.GetHostAddresses(node);
                }
                catch (SocketException)
                {
                    return EAI_NONAME;
                }
            }
        }
        addresses = addresses.Where(a => family == 0 || (family == Libc.AF_INET ? a.AddressFamily == AddressFamily.InterNetwork : a.AddressFamily == AddressFamily.InterNetworkV6)).ToArray();
        if (addresses.Length == 0)
        {
            return EAI_NONAME;
        }
        var head = 0;
        for (var i = addresses.Length - 1; i >= 0; i--)
        {
            var v6 = addresses[i].AddressFamily == AddressFamily.InterNetworkV6;
            var sockaddrBytes = v6 ? 28 : 16;
            var p = h.Exports.Malloc(AddrinfoBytes + sockaddrBytes);
            if (p == 0)
            {
                return EAI_MEMORY;
            }
            var sa = p + AddrinfoBytes;
            h.Memory.Span(p, AddrinfoBytes + sockaddrBytes).Clear();
            h.Memory.WriteU32(p + 4, (uint)(v6 ? Libc.AF_INET6 : Libc.AF_INET));
            h.Memory.WriteU32(p + 8, (uint)(socktype == 0 ? Libc.SOCK_STREAM : socktype));
            h.Memory.WriteU32(p + 12, (uint)protocol);
            h.Memory.WriteU32(p + 16, (uint)sockaddrBytes);
            h.Memory.WriteU32(p + 20, (uint)sa);
            h.Memory.WriteU32(p + 28, (uint)head);
            h.Memory.WriteU16(sa, (ushort)(v6 ? Libc.AF_INET6 : Libc.AF_INET));
            h.Memory.WriteU16(sa + 2, (ushort)IPAddress.HostToNetworkOrder((short)port));
            addresses[i].GetAddressBytes().CopyTo(h.Memory.Span(v6 ? sa + 8 : sa + 4, v6 ? 16 : 4));
            head = p;
        }
        h.Memory.WriteU32(res, (uint)head);
        return 0;
    }
}
