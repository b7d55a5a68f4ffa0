using System.Diagnostics;
using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests;

/// <summary>
/// Outgoing requests of a wasi:http/proxy component through the shim (needs root, as every test of the private
/// containerd): tests/components/fetch.js (componentize-js fetch(), built at set-up by <see cref="JsComponents"/>) in
/// its own network namespace fetches from a busybox httpd started inside that same namespace, by address and by a name
/// in the container's /etc/hosts, and the answer comes back; its console.log/console.error lines and the host's line for a refused connection are in the container's log
/// file (ctr --log-uri); https to an `openssl s_server` there gets as far as checking its self-signed certificate. `wasmcell run --listen` makes the request with --allow-sockets and refuses it without.
/// </summary>
[Collection(PrivateContainerdCollection.Name)]
public sealed class ShimProxyOutgoingTests(PrivateContainerd containerd)
{
    private static string Cli => ComponentImages.Cli;

    private static string Relay(string url) => "/?url=" + Uri.EscapeDataString(url);

    /// <summary>Builds the component, warms the private cache with it, builds and imports its image (once per containerd).</summary>
    private async Task<(string Image, string Component)> ImageAsync()
    {
        var component = JsComponents.Fetch;
        return (await ComponentImages.ImportAsync(containerd, component, "localhost/wct/fetch-proxy-component:1", precompile: true), component);
    }

    [Fact]
    public async Task The_component_fetches_from_a_server_in_its_own_network_namespace_and_its_output_is_in_the_log()
    {
        var id = containerd.NewId("fetch");
        var (image, _) = await ImageAsync();
        var log = Path.Combine(containerd.Dir, $"{id}.out");
        using var www = new TempDir();
        File.WriteAllText(www["hello.txt"], "hello from the same network namespace\n");
        // The container's /etc/hosts, as CRI gives one: the cell's own name lookups read it (CellSandboxPlan).
        File.WriteAllText(www["hosts"], "127.0.0.1 localhost\n127.0.0.1 upstream.test\n");
        RunningCommand? httpd = null, tls = null;
        try
        {
            var started = await containerd.Ctr.RunAsync(["run", "--detach", "--runtime", Runtimes.Wasm, "--fifo-dir", containerd.FifoDir,
                "--cgroup", containerd.CgroupOf(id), "--log-uri", "file://" + log,
                "--mount", $"type=bind,src={www["hosts"]},dst=/etc/hosts,options=rbind:ro", image, id]);
            Assert.True(started.ExitCode == 0, started.Describe());
            var task = await containerd.Ctr.WaitForStatusAsync(id, "RUNNING", TimeSpan.FromSeconds(10));
            Assert.True(task?.Status == "RUNNING", $"task: {task}");
            var netns = $"--net=/proc/{task!.Pid}/ns/net";
            // The upstream listens on the container's loopback only: the request can only have come from inside it.
            httpd = CommandRunner.Start("nsenter", [netns, "busybox", "httpd", "-f", "-p", "127.0.0.1:8081", "-h", www.Path], TimeSpan.FromMinutes(2));
            var url = Relay("http://127.0.0.1:8081/hello.txt");

            var fetched = await EventuallyAsync(netns, $"http://127.0.0.1:8080{url}", "hello from the same network namespace\n");
            Assert.StartsWith("HTTP/1.1 200 OK", fetched);
            // By name, through the container's /etc/hosts.
            var byName = await CommandRunner.RunAsync("nsenter", [netns, "curl", "-sS", "-i", "--max-time", "20",
                "http://127.0.0.1:8080" + Relay("http://upstream.test:8081/hello.txt")], TimeSpan.FromSeconds(30));
            Assert.True(byName.ExitCode == 0 && byName.Stdout.StartsWith("HTTP/1.1 200 OK", StringComparison.Ordinal)
                && byName.Stdout.EndsWith("hello from the same network namespace\n", StringComparison.Ordinal), byName.Describe());

            var refused = await CommandRunner.RunAsync("nsenter", [netns, "curl", "-sS", "-i", "--max-time", "20",
                "http://127.0.0.1:8080" + Relay("http://127.0.0.1:8082/nobody")], TimeSpan.FromSeconds(30));
            Assert.True(refused.ExitCode == 0, refused.Describe());
            Assert.StartsWith("HTTP/1.1 502", refused.Stdout);

            // https from inside the sandbox: OpenSSL loads, the handshake runs under the cell's seccomp filter, and the
            // certificate is checked against the host's CAs, which do not include this self-signed one.
            File.WriteAllText(www["cert.pem"], SelfSigned(out var key));
            File.WriteAllText(www["key.pem"], key);
            tls = CommandRunner.Start("nsenter", [netns, "openssl", "s_server", "-quiet", "-www", "-accept", "127.0.0.1:8443",
                "-cert", www["cert.pem"], "-key", www["key.pem"]], TimeSpan.FromMinutes(2));
            const string certificateRefused = "outgoing request GET https://127.0.0.1:8443/: TLS-certificate-error";
            for (var tries = 0; tries < 100 && !File.ReadAllText(log).Contains(certificateRefused, StringComparison.Ordinal); tries++)
            {
                // Until s_server listens, the request is refused instead.
                await CommandRunner.RunAsync("nsenter", [netns, "curl", "-sS", "--max-time", "10", "http://127.0.0.1:8080" + Relay("https://127.0.0.1:8443/")],
                    TimeSpan.FromSeconds(15));
                await Task.Delay(200);
            }

            await containerd.Ctr.RunAsync("tasks", "kill", id);
            await containerd.Ctr.WaitForStatusAsync(id, "STOPPED", TimeSpan.FromSeconds(15));
            var output = File.ReadAllText(log);
            Assert.Contains("fetch.js: GET http://127.0.0.1:8081/hello.txt\n", output, StringComparison.Ordinal); // guest stdout
            Assert.Contains("fetch.js: http://127.0.0.1:8082/nobody failed: ", output, StringComparison.Ordinal); // guest stderr
            Assert.Contains("outgoing request GET http://127.0.0.1:8082/nobody: connection-refused", output, StringComparison.Ordinal);
            Assert.True(output.Contains(certificateRefused, StringComparison.Ordinal), $"no {certificateRefused} in the log:\n{output}");
        }
        finally
        {
            foreach (var server in new[] { httpd, tls }.OfType<RunningCommand>())
            {
                await StopAsync(server);
            }
            await containerd.ForgetAsync(id);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Wasmcell_run_makes_outgoing_requests_only_with_allow_sockets(bool allow)
    {
        var (_, component) = await ImageAsync(); // the CLI, and the cache warmed with the component
        using var www = new TempDir();
        File.WriteAllText(www["hello.txt"], "hello from loopback\n");
        var upstreamPort = 19000 + Random.Shared.Next(500);
        var port = upstreamPort + 500;
        var httpd = CommandRunner.Start("busybox", ["httpd", "-f", "-p", $"127.0.0.1:{upstreamPort}", "-h", www.Path], TimeSpan.FromMinutes(2));
        var run = CommandRunner.Start(Cli, ["run", "--cache-dir", containerd.PrecompileDir, "--listen", $"127.0.0.1:{port}",
            .. allow ? new[] { "--allow-sockets" } : [], component], TimeSpan.FromMinutes(2));
        try
        {
            var answer = await EventuallyAsync(null, $"http://127.0.0.1:{port}{Relay($"http://127.0.0.1:{upstreamPort}/hello.txt")}",
                allow ? "hello from loopback\n" : "fetch failed: ");
            Assert.StartsWith(allow ? "HTTP/1.1 200 OK" : "HTTP/1.1 502", answer);

            await CommandRunner.RunAsync("kill", ["-TERM", run.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
            var r = await run.Completion;
            Assert.True(r.ExitCode == 0, r.Describe());
            if (!allow)
            {
                Assert.Contains("HTTP-request-denied - this container may not open sockets", r.Stderr, StringComparison.Ordinal);
            }
        }
        finally
        {
            await StopAsync(run);
            await StopAsync(httpd);
        }
    }

    /// <summary>A self-signed certificate for 127.0.0.1 as PEM, and its key.</summary>
    private static string SelfSigned(out string keyPem)
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=127.0.0.1", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        var names = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        keyPem = key.ExportPkcs8PrivateKeyPem();
        return certificate.ExportCertificatePem();
    }

    /// <summary>SIGTERM, then SIGKILL if it is still there after 10 s; returns once the process is gone.</summary>
    private static async Task StopAsync(RunningCommand process)
    {
        foreach (var signal in new[] { "-TERM", "-KILL" })
        {
            if (process.Completion.IsCompleted)
            {
                return;
            }
            await CommandRunner.RunAsync("kill", [signal, process.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
            await Task.WhenAny(process.Completion, Task.Delay(TimeSpan.FromSeconds(10)));
        }
    }

    /// <summary>curl (in <paramref name="netns"/>, if given) until the proxy serves and the answer has <paramref name="expected"/>; the whole answer, head included.</summary>
    private static async Task<string> EventuallyAsync(string? netns, string url, string expected)
    {
        var deadline = Stopwatch.StartNew();
        CommandResult probe;
        do
        {
            string[] curl = ["curl", "-sS", "-i", "--max-time", "10", url];
            probe = netns is null ? await CommandRunner.RunAsync(curl[0], curl[1..], TimeSpan.FromSeconds(15))
                : await CommandRunner.RunAsync("nsenter", [netns, .. curl], TimeSpan.FromSeconds(15));
            if (probe.ExitCode == 0 && probe.Stdout.Contains(expected, StringComparison.Ordinal))
            {
                return probe.Stdout;
            }
            await Task.Delay(100);
        }
        while (deadline.Elapsed < TimeSpan.FromSeconds(30));
        throw new Xunit.Sdk.XunitException($"no answer with '{expected}' from {url}: {probe.Describe()}");
    }
}
