using System.Diagnostics;

namespace Wasmcell.Shim.Tests.Artifacts;

/// <summary>
/// A throwaway containerd 1.6 (Debian's, needs root) with its root, state and socket in a temp
/// directory and the CRI plugin off, so it shares nothing with any other containerd on the machine.
/// </summary>
public sealed class PrivateContainerd : IDisposable
{
    public const string Namespace = "wcartifact";

    private readonly Process _daemon;

    public PrivateContainerd()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("wasmcell-containerd-").FullName;
        Socket = Path.Join(Directory, "containerd.sock");
        var config = Path.Join(Directory, "config.toml");
        File.WriteAllText(config, $"""
            version = 2
            root = "{Directory}/root"
            state = "{Directory}/state"
            disabled_plugins = ["io.containerd.grpc.v1.cri"]
            [grpc]
              address = "{Socket}"
            [ttrpc]
              address = "{Socket}.ttrpc"
            [debug]
              address = ""
            [metrics]
              address = ""
            """);
        _daemon = Process.Start(new ProcessStartInfo("containerd", ["--config", config])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        _daemon.OutputDataReceived += (_, _) => { };
        _daemon.ErrorDataReceived += (_, _) => { };
        _daemon.BeginOutputReadLine();
        _daemon.BeginErrorReadLine();
        for (var i = 0; i < 200 && !File.Exists(Socket); i++)
        {
            if (_daemon.HasExited)
            {
                throw new InvalidOperationException($"containerd exited with {_daemon.ExitCode}");
            }
            Thread.Sleep(50);
        }
        if (!File.Exists(Socket))
        {
            throw new InvalidOperationException("containerd did not create its socket");
        }
    }

    public string Directory { get; }

    public string Socket { get; }

    /// <summary>Runs ctr against this containerd in <see cref="Namespace"/>; throws with its output on failure.</summary>
    public void Ctr(params string[] args)
    {
        using var ctr = Process.Start(new ProcessStartInfo("ctr", ["-a", Socket, "-n", Namespace, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stderr = ctr.StandardError.ReadToEndAsync();
        var stdout = ctr.StandardOutput.ReadToEnd();
        ctr.WaitForExit();
        if (ctr.ExitCode != 0)
        {
            throw new InvalidOperationException($"ctr {string.Join(' ', args)} failed ({ctr.ExitCode}): {stdout}{stderr.Result}");
        }
    }

    public void Dispose()
    {
        if (!_daemon.HasExited)
        {
            _daemon.Kill();
            _daemon.WaitForExit();
        }
        _daemon.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
