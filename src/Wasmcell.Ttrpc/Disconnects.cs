using System.Net.Sockets;

namespace Wasmcell.Ttrpc;

/// <summary>Which I/O failures just mean "the other side went away" (not worth a log line).</summary>
internal static class Disconnects
{
    public static bool IsPeerGone(Exception ex) => ex switch
    {
        EndOfStreamException or ObjectDisposedException => true,
        SocketException s => IsPeerGone(s.SocketErrorCode),
        IOException { InnerException: SocketException s } => IsPeerGone(s.SocketErrorCode),
        _ => false,
    };

    private static bool IsPeerGone(SocketError error) => error is
        SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown
        or SocketError.OperationAborted or SocketError.NotConnected;
}
