using System.Net;
using System.Net.Sockets;
using System.Text;
using Wasmcell.Emscripten.Tests.Infrastructure;

namespace Wasmcell.Emscripten.Tests;

/// <summary>
/// Bad traffic against the seed's nginx on the Emscripten host (issue 12, "Bad traffic"): garbage and truncated
/// requests, a slow partial request, 500 concurrent connections. nginx keeps serving; the host neither leaks
/// descriptors nor stops.
/// </summary>
public sealed class NginxBadTrafficTests
{
    private static readonly byte[] Index = File.ReadAllBytes(TestData.Path("seed-samples/nginx/html/index.html"));

    [Fact]
    public async Task Garbage_truncated_and_slow_requests_and_500_connections_leave_nginx_serving()
    {
        using var nginx = new NginxGuest();
        nginx.WaitUntilListening();

        // 1,000 garbage or truncated requests, each on its own connection, 20 at a time.
        await Parallel.ForAsync(0, 1000, new ParallelOptions { MaxDegreeOfParallelism = 20 }, async (i, ct) =>
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, nginx.Port, ct);
            var stream = client.GetStream();
            byte[] request = (i % 3) switch
            {
                0 => RandomBytes(new Random(i), 1 + (i % 700)),                   // binary garbage
                1 => Encoding.ASCII.GetBytes("GET /" + new string('a', i) + " HTTP/1.1\r\nHost: x\r\n"), // truncated head
                _ => Encoding.ASCII.GetBytes("BREW / HTCPCP/1.0\r\n\r\n"),        // nonsense method and protocol
            };
            await stream.WriteAsync(request, ct);
            client.Client.Shutdown(SocketShutdown.Send);
            var buffer = new byte[4096];
            try
            {
                while (await stream.ReadAsync(buffer, ct) > 0)
                {
                }
            }
            catch (IOException)
            {
                // nginx may reset a connection it rejects: also an answer.
            }
        });
        Assert.Equal(Index, Get(nginx.Port));

        // A slow partial request: half a head, a pause, the rest; answered normally.
        using (var slow = new TcpClient())
        {
            slow.Connect(IPAddress.Loopback, nginx.Port);
            var stream = slow.GetStream();
            stream.Write("GET / HTTP/1.1\r\nHo"u8);
            Assert.Equal(Index, Get(nginx.Port)); // others are served meanwhile
            Thread.Sleep(300);
            stream.Write("st: x\r\nConnection: close\r\n\r\n"u8);
            var reply = ReadToEnd(stream);
            Assert.StartsWith("HTTP/1.1 200 OK", Encoding.ASCII.GetString(reply), StringComparison.Ordinal);
        }

        // 500 connections open at once (nginx's default worker_connections is 512), then a request on each.
        var clients = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 500; i++)
            {
                var c = new TcpClient();
                c.Connect(IPAddress.Loopback, nginx.Port);
                clients.Add(c);
            }
            foreach (var c in clients)
            {
                c.GetStream().Write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"u8);
            }
            var served = clients.Count(c => Encoding.ASCII.GetString(ReadToEnd(c.GetStream())).StartsWith("HTTP/1.1 200 OK", StringComparison.Ordinal));
            // Connections of the garbage phase nginx has not finished closing still count against its 512
            // worker_connections; any it had to drop, it says so.
            Assert.True(served == 500 || nginx.Stderr.Contains("worker_connections are not enough", StringComparison.Ordinal),
                $"{served} of 500 served, and nginx gave no reason:\n{nginx.Stderr}");
            Assert.True(served >= 400, $"only {served} of 500 connections served");
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }

        Assert.Equal(Index, Get(nginx.Port));
        Assert.Null(nginx.ExitCode);
        nginx.Stop();
        Assert.Equal(0, nginx.ExitCode);
    }

    private static byte[] Get(int port)
    {
        using var http = new Http(port);
        return http.Get("/", keepAlive: false).Body;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] ReadToEnd(NetworkStream stream)
    {
        stream.ReadTimeout = 30_000;
        using var all = new MemoryStream();
        try
        {
            stream.CopyTo(all);
        }
        catch (IOException)
        {
            // A reset: what nginx does to a connection it cannot take.
        }
        return all.ToArray();
    }
}
