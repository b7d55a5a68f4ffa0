using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Wasmcell.Wasi.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Wasmcell.Wasi.Tests;

/// <summary>
/// The client half of the WasmEdge socket extension (sock_connect, sock_getaddrinfo,
/// sock_getlocaladdr, sock_getpeeraddr, sock_getsockopt) through tests/wasm-wasi/wasmedge_client.c,
/// which declares the imports by hand with WasmEdge's signatures and struct layouts. Errno values
/// are the WASI ABI numbers the guest sees (ECONNREFUSED = 14, ENOTCAPABLE = 76).
/// </summary>
public sealed partial class WasmEdgeClientTests(ITestOutputHelper log)
{
    private const int ConnRefused = 14;
    private const int NotCapable = 76;

    /// <summary>Runs the client; its output goes to the test log, so a failure shows every call's result.</summary>
    private GuestResult Client(bool allowSockets, params string[] args)
    {
        var options = new WasiOptions { AllowSocketExtension = allowSockets };
        options.Args.Add("wasmedge_client.wasm");
        options.Args.AddRange(args);
        var r = GuestRun.Run(CProgram.Build("wasmedge_client"), options);
        log.WriteLine($"$ wasmedge_client {string.Join(' ', args)} -> exit {r.ExitCode}\n{r.Stdout}{r.Stderr}{r.Trap}");
        return r;
    }

    /// <summary>One accepted connection: what the server saw of it.</summary>
    private sealed record Served(IPEndPoint Remote, string Line, bool EofAfterEcho);

    /// <summary>Accepts one connection, echoes one line, then waits for the client's shutdown (EOF).</summary>
    private static async Task<Served> EchoOnce(TcpListener listener)
    {
        using var conn = await listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var remote = (IPEndPoint)conn.Client.RemoteEndPoint!;
        var stream = conn.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
        var line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)) ?? "";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\n"));
        var rest = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return new Served(remote, line, rest.Length == 0);
    }

    [Theory]
    [InlineData("127.0.0.1", "raw")]
    [InlineData("127.0.0.1", "storage")]
    [InlineData("::1", "raw")]
    [InlineData("::1", "storage")]
    public async Task Connects_reports_both_ends_and_reads_the_echo(string ip, string form)
    {
        var address = IPAddress.Parse(ip);
        var listener = new TcpListener(address, 0);
        listener.Start();
        try
        {
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var server = EchoOnce(listener);
            var r = await Task.Run(() => Client(true, "echo", ip, port.ToString(), form, "hello wasmedge"))
                .WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr + r.Trap);
            var served = await server.WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal("hello wasmedge", served.Line);
            Assert.Contains("echo hello wasmedge\n", r.Stdout);
            Assert.True(served.EofAfterEcho, "the server should see EOF after the guest's sock_shutdown");

            int family = address.AddressFamily == AddressFamily.InterNetwork ? 1 : 2;
            // getlocaladdr is the client end the server accepted; getpeeraddr is the server.
            Assert.Contains($"local {ip} {served.Remote.Port} family {family}\n", r.Stdout);
            Assert.Equal(address, served.Remote.Address);
            Assert.Contains($"peer {ip} {port} family {family}\n", r.Stdout);
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>
    /// WasmEdge answers SO_TYPE in its own sock-type numbering (inode-linux.cpp sockGetOpt runs the
    /// value through fromSockType: stream = 2, datagram = 1), not Linux's SOCK_STREAM = 1.
    /// </summary>
    [Fact]
    public async Task Getsockopt_so_type_is_WasmEdges_stream_value()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var server = EchoOnce(listener);
            var r = await Task.Run(() => Client(true, "echo", "127.0.0.1", port.ToString(), "raw", "x"))
                .WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr + r.Trap);
            await server.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Contains("sotype 2 len 4\n", r.Stdout);
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public void Connect_to_a_closed_port_is_conn_refused()
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port; // bound, never listening: refused
            var r = Client(true, "echo", "127.0.0.1", port.ToString(), "raw", "x");
            Assert.Equal(1, r.ExitCode);
            Assert.Equal($"connect errno {ConnRefused}\n", r.Stdout);
        }
    }

    /// <summary>Runs `soerror`: a non-blocking connect to a bound but never listening loopback port.</summary>
    private GuestResult NonBlockingConnectToAClosedPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        var r = Client(true, "soerror", "127.0.0.1", port.ToString());
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr + r.Trap);
        return r;
    }

    /// <summary>
    /// With NONBLOCK set (fd_fdstat_set_flags), sock_connect returns EINPROGRESS (26) — Linux's
    /// non-blocking connect always does, even on loopback — and poll then reports the socket
    /// writable with the refusal pending in SO_ERROR.
    /// </summary>
    [Fact]
    public void Non_blocking_connect_is_in_progress_then_so_error_holds_the_refusal()
    {
        var r = NonBlockingConnectToAClosedPort();
        var m = Regex.Match(r.Stdout, @"^connect errno 26\nsoerror (\d+) len 4\n$");
        Assert.True(m.Success, r.Stdout);
        Assert.NotEqual(0, int.Parse(m.Groups[1].Value));
    }

    /// <summary>WasmEdge's sockGetOpt converts SO_ERROR with fromErrNo: the guest reads WASI ECONNREFUSED (14).</summary>
    [Fact]
    public void So_error_is_a_wasi_errno()
    {
        var r = NonBlockingConnectToAClosedPort();
        Assert.EndsWith($"soerror {ConnRefused} len 4\n", r.Stdout);
    }

    private sealed record Resolved(int Family, int Socktype, int SaFamily, int SaDataLen, int Port, string Address);

    [GeneratedRegex(@"^ai family (\d+) socktype (\d+) addrlen \d+ sa_family (\d+) sa_data_len (\d+) port (\d+) addr (\S+)$", RegexOptions.Multiline)]
    private static partial Regex AiLine();

    private List<Resolved> Resolve(string node, string service, int family)
    {
        var r = Client(true, "resolve", node, service, family.ToString());
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr + r.Trap);
        var count = int.Parse(Regex.Match(r.Stdout, @"^count (\d+)$", RegexOptions.Multiline).Groups[1].Value);
        var results = AiLine().Matches(r.Stdout).Select(m => new Resolved(
            int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value), int.Parse(m.Groups[3].Value),
            int.Parse(m.Groups[4].Value), int.Parse(m.Groups[5].Value), m.Groups[6].Value)).ToList();
        Assert.Equal(count, results.Count);
        return results;
    }

    [Fact]
    public void Getaddrinfo_resolves_localhost_to_loopback()
    {
        var results = Resolve("localhost", "4321", 0);
        Assert.NotEmpty(results);
        Assert.Contains(results, a => a.Address == "127.0.0.1" || a.Address == "::1");
        foreach (var a in results)
        {
            Assert.True(IPAddress.IsLoopback(IPAddress.Parse(a.Address)), a.Address);
            Assert.Equal(4321, a.Port);
            Assert.Equal(2, a.Socktype);                       // the hint's stream type
            Assert.Equal(a.Family, a.SaFamily);
            Assert.Equal(a.Address.Contains(':') ? 2 : 1, a.Family);
        }
    }

    [Fact]
    public void Getaddrinfo_honours_the_inet4_family_hint()
    {
        var results = Resolve("localhost", "80", 1);
        Assert.Contains(results, a => a.Address == "127.0.0.1");
        Assert.All(results, a => Assert.Equal(1, a.Family));
    }

    /// <summary>A numeric address of the other family than the hint asks for resolves to nothing: an error.</summary>
    [Theory]
    [InlineData("::1", 1)]
    [InlineData("127.0.0.1", 2)]
    public void Getaddrinfo_rejects_a_numeric_address_of_the_wrong_family(string numeric, int family)
    {
        var r = Client(true, "resolve", numeric, "80", family.ToString());
        Assert.Equal(1, r.ExitCode);
        var errno = int.Parse(Regex.Match(r.Stdout, @"^getaddrinfo errno (\d+)$", RegexOptions.Multiline).Groups[1].Value);
        Assert.NotEqual(0, errno);
    }

    [Theory]
    [InlineData("127.0.0.1", 1)]
    [InlineData("10.1.2.3", 1)]
    [InlineData("::1", 2)]
    [InlineData("fd00::1:2", 2)]
    public void Getaddrinfo_of_a_numeric_address_yields_exactly_that_address(string numeric, int family)
    {
        var results = Resolve(numeric, "8080", 0);
        var only = Assert.Single(results);
        Assert.Equal(family, only.Family);
        Assert.Equal(family, only.SaFamily);
        Assert.Equal(2, only.Socktype);
        Assert.Equal(8080, only.Port);
        Assert.Equal(numeric, only.Address);
    }

    /// <summary>
    /// WasmEdge sets sa_data_len to the bytes it wrote: the native sockaddr after sa_family,
    /// 14 for inet4 (port, address, zero padding) and 26 for inet6 (port, flowinfo, address, scope).
    /// </summary>
    [Theory]
    [InlineData("127.0.0.1", 14)]
    [InlineData("::1", 26)]
    public void Getaddrinfo_reports_the_sockaddr_data_length(string numeric, int length)
    {
        var only = Assert.Single(Resolve(numeric, "8080", 0));
        Assert.Equal(length, only.SaDataLen);
    }

    [Fact]
    public void Without_the_extension_every_client_call_is_not_capable()
    {
        var r = Client(false, "nocap");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr + r.Trap);
        Assert.Equal(
            $"open errno {NotCapable}\nconnect errno {NotCapable}\ngetlocaladdr errno {NotCapable}\ngetaddrinfo errno {NotCapable}\n",
            r.Stdout);
    }
}
