using Containerd.Task.V2;
using Google.Protobuf.WellKnownTypes;
using Wasmcell.Linux;
using Wasmcell.Ttrpc;

namespace Wasmcell.Shim;

/// <summary>
/// The one call a launcher (`start`) makes to a daemon it finds serving its group: Expect(id), before it hands the
/// daemon's address to containerd. An idle daemon may be retiring at that moment; once it has accepted the
/// expectation it stays for that Create (ContainerTable.Expect), and once it is retiring it refuses, so the launcher
/// starts a new daemon instead of giving containerd an address that is about to vanish.
/// </summary>
public static class LauncherService
{
    public const string Name = "wasmcell.launcher.v1.Launcher", Expect = "Expect";

    public enum Answer
    {
        /// <summary>The daemon will serve the container.</summary>
        Accepted,

        /// <summary>The daemon is on its way out and will remove its socket.</summary>
        Retiring,

        /// <summary>Nothing listens on the path (a stale socket file).</summary>
        Nobody,
    }

    public static Answer AskToExpect(string socketPath, string id)
    {
        var timeout = TimeSpan.FromSeconds(5);
        // Plain syscalls: System.Net.Sockets would start its epoll thread in every launcher.
        using var connection = UnixSockets.TryConnect(socketPath, timeout);
        if (connection is null)
        {
            return Answer.Nobody;
        }
        try
        {
            TtrpcClient.CallOnce(connection, socketPath, Name, Expect, new ConnectRequest { Id = id }, Empty.Parser, timeout);
            return Answer.Accepted;
        }
        catch (TtrpcException e) when (e.Code == StatusCode.FailedPrecondition)
        {
            return Answer.Retiring;
        }
        catch (TtrpcException)
        {
            // A daemon that does not know the call (an older version), or is too busy to answer in time: it serves,
            // as a plain connect said before this call existed.
            return Answer.Accepted;
        }
    }
}
