using System.Diagnostics;

namespace Wasmcell.Oci.Tests.Infrastructure;

/// <summary>
/// A private containerd (Debian's 1.6) for image tests: its own temp root/state/socket, the CRI plugin
/// off (only the content store, images and snapshotters are needed), never /etc/containerd. Stopped by PID.
/// </summary>
public sealed class PrivateContainerd : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("wasmcell-ctd-").FullName;
    private readonly Process _process;

    public PrivateContainerd()
    {
        var config = Path.Combine(_dir, "config.toml");
        File.WriteAllText(config, $"""
            version = 2
            root = "{_dir}/root"
            state = "{_dir}/state"
            disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
                                "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
            [grpc]
              address = "{Socket}"
            [plugins."io.containerd.internal.v1.opt"]
              path = "{_dir}/opt"
            """);
        var info = new ProcessStartInfo("containerd") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "--config", config, "--root", _dir + "/root", "--state", _dir + "/state", "--address", Socket })
        {
            info.ArgumentList.Add(arg);
        }

        _process = Process.Start(info)!;
        _process.ErrorDataReceived += (_, _) => { };
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        for (var attempt = 0; ; attempt++)
        {
            if (File.Exists(Socket))
            {
                try
                {
                    Ctr("version");
                    break;
                }
                catch (InvalidOperationException) when (attempt < 100)
                {
                }
            }

            if (_process.HasExited || attempt >= 100)
            {
                throw new InvalidOperationException("private containerd did not come up");
            }

            Thread.Sleep(100);
        }
    }

    public string Socket => Path.Combine(_dir, "containerd.sock");

    /// <summary>Runs <c>ctr --address SOCKET ARGS...</c> and returns its stdout; throws on failure.</summary>
    public string Ctr(params string[] args) => ProcessRunner.Run("ctr", ["--address", Socket, .. args]);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(); // our own containerd only, by its PID
            _process.WaitForExit();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
