using System.Net.Sockets;

namespace Wasmcell.Linux.Tests;

/// <summary>Root (ip netns add).</summary>
[Trait("Needs", "root")]
public sealed class NetworkNamespaceTests
{
    [Fact]
    public void A_socket_made_in_another_namespace_stays_there_and_the_process_stays_where_it_was()
    {
        var name = "wclt-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(0, Run("ip", $"netns add {name}"));
        try
        {
            var (socket, inode) = NetworkNamespace.Run($"/var/run/netns/{name}", () =>
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                s.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Any, 0));
                s.Listen(1);
                return (s, new FileInfo("/proc/thread-self/ns/net").LinkTarget);
            });
            using (socket)
            {
                var port = ((System.Net.IPEndPoint)socket.LocalEndPoint!).Port;
                Assert.NotEqual(new FileInfo("/proc/thread-self/ns/net").LinkTarget, inode);
                Assert.NotEqual(new FileInfo("/proc/self/ns/net").LinkTarget, inode);
                Assert.Equal(0, Run("ip", $"netns exec {name} grep -qi :{port:X4} /proc/net/tcp"));
                Assert.DoesNotContain($":{port:X4} ", File.ReadAllText("/proc/self/net/tcp"), StringComparison.OrdinalIgnoreCase);
            }
            Assert.Throws<IOException>(() => NetworkNamespace.Run("/var/run/netns/none-" + name, () => 0));
        }
        finally
        {
            Run("ip", $"netns del {name}");
        }
    }

    private static int Run(string file, string args)
    {
        using var p = System.Diagnostics.Process.Start(file, args);
        p.WaitForExit();
        return p.ExitCode;
    }
}
