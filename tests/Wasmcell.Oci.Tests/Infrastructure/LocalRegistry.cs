using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Wasmcell.Oci.Tests.Infrastructure;

/// <summary>
/// A real registry for the tests: Debian's <c>docker-registry</c> (distribution 2.8) on 127.0.0.1 with
/// a free port, its own storage dir and, optionally, htpasswd (bcrypt) Basic auth. Stopped by its PID.
/// </summary>
internal sealed class LocalRegistry : IDisposable
{
    public const string User = "wasmcell";
    public const string Password = "s3cret-pa55";

    private readonly TempDir _dir = new();
    private readonly Process _process;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _log = new();

    public int Port { get; }

    /// <summary>host:port, as in an image reference.</summary>
    public string Host => $"127.0.0.1:{Port}";

    /// <param name="htpasswd">Require Basic auth (<see cref="User"/>/<see cref="Password"/>).</param>
    /// <param name="tokenAuth">Require Bearer tokens from this token service instead.</param>
    public LocalRegistry(bool htpasswd, TokenServer? tokenAuth = null)
    {
        Port = FreePort();
        var config = $"""
            version: 0.1
            log:
              level: warn
              formatter: text
            storage:
              filesystem:
                rootdirectory: {_dir["data"]}
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:{Port}
            health:
              storagedriver:
                enabled: false
            """;
        if (htpasswd)
        {
            // -B: bcrypt, the only hash distribution's htpasswd accepts. From apache2-utils.
            var line = CommandRunner.Check("htpasswd", "-Bbn", User, Password).Trim();
            File.WriteAllText(_dir["htpasswd"], line + "\n");
            config += $"""

                auth:
                  htpasswd:
                    realm: wasmcell-test
                    path: {_dir["htpasswd"]}
                """;
        }

        if (tokenAuth is not null)
        {
            File.WriteAllText(_dir["token-root.pem"], tokenAuth.CertificatePem);
            config += $"""

                auth:
                  token:
                    realm: {tokenAuth.Realm}
                    service: {TokenServer.Service}
                    issuer: {TokenServer.Issuer}
                    rootcertbundle: {_dir["token-root.pem"]}
                """;
        }

        File.WriteAllText(_dir["config.yml"], config + "\n");
        var info = new ProcessStartInfo("docker-registry") { RedirectStandardError = true, RedirectStandardOutput = true };
        info.ArgumentList.Add("serve");
        info.ArgumentList.Add(_dir["config.yml"]);
        _process = Process.Start(info)!;
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        try
        {
            WaitUntilServing();
        }
        catch
        {
            // No fixture owns it yet: a registry that never served must not outlive the failed set-up.
            Dispose();
            throw;
        }
    }

    public string Log => string.Join('\n', _log);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
        _dir.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _log.Enqueue(line);
        while (_log.Count > 200 && _log.TryDequeue(out _))
        {
        }
    }

    private void WaitUntilServing()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        // A deadline, not a count of tries: a loaded machine makes a try slow (one that times out is a try again).
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"docker-registry exited with {_process.ExitCode}: {Log}");
            }

            try
            {
                using var response = http.GetAsync($"http://{Host}/v2/").GetAwaiter().GetResult();
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            Thread.Sleep(50);
        }

        throw new TimeoutException("docker-registry did not answer on " + Host + " within 60 s: " + Log);
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

public sealed class OpenRegistryFixture : IDisposable
{
    internal LocalRegistry Registry { get; } = new(htpasswd: false);

    public void Dispose() => Registry.Dispose();
}

public sealed class AuthRegistryFixture : IDisposable
{
    internal LocalRegistry Registry { get; } = new(htpasswd: true);

    public void Dispose() => Registry.Dispose();
}

public sealed class TokenRegistryFixture : IDisposable
{
    public TokenRegistryFixture()
    {
        Tokens = new TokenServer();
        Registry = new LocalRegistry(htpasswd: false, Tokens);
    }

    internal TokenServer Tokens { get; }

    internal LocalRegistry Registry { get; }

    public void Dispose()
    {
        Registry.Dispose();
        Tokens.Dispose();
    }
}
