using Containerd.Task.V2;
using Google.Protobuf.WellKnownTypes;
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
        try
        {
            TtrpcClient.CallOnce(socketPath, Name, Expect, new ConnectRequest { Id = id }, Empty.Parser, TimeSpan.FromSeconds(5));
            return Answer.Accepted;
        }
        catch (TtrpcException e) when (e.Code == StatusCode.Unavailable && e.InnerException is System.Net.Sockets.SocketException)
        {
            return Answer.Nobody;
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
