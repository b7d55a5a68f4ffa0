using System.Globalization;
using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>
/// The HTTP servers the networking tests run in pods, and what the tests ask of them from the host:
/// the reader-facing example (examples/http-server, built with its own Makefile so the example stays
/// buildable as documented), the third-party WasmEdge-socket server, curl against a pod IP and the TCP
/// listeners of a network namespace.
/// </summary>
internal static class WasmHttpImages
{
    /// <summary>The first line of every answer of examples/http-server/http_server.c.</summary>
    public const string ExampleGreeting = "Hello from a Wasm HTTP server on Wasmcell!";

    /// <summary>The example server's body for <paramref name="path"/>: the greeting, then the path.</summary>
    public static string ExampleBody(string path) => $"{ExampleGreeting}\nYou asked for {path}\n";

    private static string ExampleDir => Path.Combine(RepoLayout.Root, "examples", "http-server");

    /// <summary>../shared/testdata/wasmedge-socket/http_server.wasm (read-only; imported straight from there).</summary>
    public static string WasmEdgeServer => TestData.Path("wasmedge-socket/http_server.wasm");

    /// <summary>Builds the example with `make` (it rebuilds only when the source changed) and imports it as a one-file image.</summary>
    public static async Task<string> ImportExampleServerAsync(CriEnvironment env)
    {
        using (FileLock.Acquire(Path.Combine(RepoLayout.Artifacts, ".examples-http-server.lock"), TimeSpan.FromMinutes(2)))
        {
            var make = await CommandRunner.RunAsync("make", ["-C", ExampleDir], TimeSpan.FromMinutes(2));
            Assert.True(make.ExitCode == 0, "building examples/http-server failed:\n" + make.Describe());
        }
        const string image = "localhost/wcc/http-server-example:1";
        await env.ImportImageAsync(image,
            [new("http_server.wasm", await File.ReadAllBytesAsync(Path.Combine(ExampleDir, "http_server.wasm")), Mode: OciArchive.LayerEntry.Executable)],
            ["/http_server.wasm"]);
        return image;
    }

    /// <summary>The WasmEdge socket-ABI echo server as a one-file image.</summary>
    public static async Task<string> ImportWasmEdgeServerAsync(CriEnvironment env)
    {
        Assert.True(File.Exists(WasmEdgeServer), $"{WasmEdgeServer} is missing (shared test data)");
        const string image = "localhost/wcc/wasmedge-http:1";
        await env.ImportImageAsync(image,
            [new("http_server.wasm", await File.ReadAllBytesAsync(WasmEdgeServer), Mode: OciArchive.LayerEntry.Executable)],
            ["/http_server.wasm"]);
        return image;
    }

    /// <summary>Asserts that the host reaches <paramref name="ip"/> over our bridge, so a curl cannot be answered by anything else.</summary>
    public static async Task AssertRoutedOverBridgeAsync(string ip)
    {
        var route = await CommandRunner.RunAsync("ip", ["route", "get", ip], TimeSpan.FromSeconds(5));
        Assert.True(route.ExitCode == 0, route.Describe());
        Assert.Contains($"dev {CriEnvironment.Bridge}", route.Stdout);
    }

    /// <summary>
    /// curl from the host, retried while the connection is refused (the guest starts accepting a moment
    /// after StartContainer returns); fails with curl's last answer after <paramref name="attempts"/> tries.
    /// </summary>
    public static async Task<string> CurlAsync(string url, IReadOnlyList<string>? extraArgs = null, int attempts = 100)
    {
        CommandResult? last = null;
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            last = await CommandRunner.RunAsync("curl", ["-sS", "--max-time", "5", .. extraArgs ?? [], url], TimeSpan.FromSeconds(15));
            if (last.ExitCode == 0)
            {
                return last.Stdout;
            }
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"curl {url} failed: {last!.Describe()}");
    }

    /// <summary>
    /// The TCP ports in LISTEN state in the network namespace of <paramref name="pid"/> (IPv4 and IPv6), read
    /// from /proc/&lt;pid&gt;/net/tcp{,6}, which show the sockets of that process's network namespace.
    /// </summary>
    public static IReadOnlySet<int> ListeningPorts(int pid)
    {
        const string listenState = "0A";
        var ports = new SortedSet<int>();
        foreach (var table in new[] { "tcp", "tcp6" })
        {
            var path = $"/proc/{pid}/net/{table}";
            if (!File.Exists(path))
            {
                continue;
            }
            foreach (var line in File.ReadLines(path).Skip(1))
            {
                // "  sl  local_address rem_address   st ...": local is HEXADDR:HEXPORT.
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 3 && fields[3] == listenState)
                {
                    ports.Add(int.Parse(fields[1][(fields[1].LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                }
            }
        }
        return ports;
    }
}
