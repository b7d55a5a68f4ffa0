using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Wasmcell.Oci.Tests.EndToEnd;

/// <summary>
/// A private containerd 1.6 with the published shim installed, for the end-to-end tests. Like
/// <see cref="Infrastructure.PrivateContainerd"/> (own --config/--root/--state/--address under a short
/// /tmp/wce-XXXXXX, CRI off, never /etc/containerd), plus: the opt plugin at DIR/opt, so
/// DIR/opt/bin/containerd-shim-wasm-v1 (with libwasmtime.so beside it) is the runtime
/// io.containerd.wasm.v1 resolves to; WASMCELL_PRECOMPILE_DIR=DIR/precompiled in containerd's
/// environment (the shim and its cells inherit it), so nothing touches /var/lib/wasmcell; a log file
/// with the shim's lines; ctr runs with a private FIFO dir and cgroup parent. Stopped by its PID.
/// </summary>
public sealed class ShimContainerd : IDisposable
{
    public const string WasmRuntime = "io.containerd.wasm.v1";
    public const string Namespace = "wce";

    private int _nextId;

    public ShimContainerd()
    {
        RequireRoot();
        var name = "wce-" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..6];
        Dir = Path.Combine("/tmp", name);
        CgroupParent = "/" + name;
        foreach (var sub in new[] { "root", "state", "tmp", "fifo", "opt/bin" })
        {
            Directory.CreateDirectory(Path.Combine(Dir, sub));
        }

        InstallShim();
        File.WriteAllText(Path.Combine(Dir, "config.toml"), $"""
            version = 2
            root = "{Dir}/root"
            state = "{Dir}/state"
            temp = "{Dir}/tmp"
            disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
                                "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
            [grpc]
              address = "{Address}"
            [debug]
              level = "info"
            [plugins."io.containerd.internal.v1.opt"]
              path = "{Dir}/opt"
            """);
        Start();
    }

    public string Dir { get; }

    public string Address => Path.Combine(Dir, "c.sock");

    /// <summary>The shim's precompile cache (WASMCELL_PRECOMPILE_DIR of containerd, so of every shim and cell).</summary>
    public string PrecompileDir => Path.Combine(Dir, "precompiled");

    public string LogPath => Path.Combine(Dir, "containerd.log");

    public string CgroupParent { get; }

    public int Pid { get; private set; }

    public string NewId(string prefix) => $"{prefix}-{Interlocked.Increment(ref _nextId)}";

    /// <summary><c>ctr --address ours --namespace wce ARGS</c>.</summary>
    public ToolRun Ctr(params string[] args) =>
        ToolRun.Of("ctr", ["--address", Address, "--namespace", Namespace, .. args], TimeSpan.FromMinutes(3));

    /// <summary><c>ctr images pull --plain-http REFERENCE</c>; throws when the pull fails.</summary>
    public void PullPlainHttp(string reference)
    {
        var pull = Ctr("images", "pull", "--plain-http", reference);
        if (pull.ExitCode != 0)
        {
            throw new InvalidOperationException($"ctr images pull --plain-http {reference} failed: {pull}");
        }
    }

    /// <summary><c>ctr run --rm --runtime io.containerd.wasm.v1 IMAGE ID [ARGS]</c>, with our FIFO dir and cgroup.</summary>
    public ToolRun RunWasm(string image, string id, params string[] args) =>
        Ctr(["run", "--rm", "--runtime", WasmRuntime, "--fifo-dir", Path.Combine(Dir, "fifo"), "--cgroup", $"{CgroupParent}/{id}", image, id, .. args]);

    public long LogLength => File.Exists(LogPath) ? new FileInfo(LogPath).Length : 0;

    /// <summary>containerd's log (shim lines included) written since <paramref name="offset"/>.</summary>
    public string LogSince(long offset)
    {
        using var file = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        file.Seek(offset, SeekOrigin.Begin);
        return new StreamReader(file, Encoding.UTF8).ReadToEnd();
    }

    public void Dispose()
    {
        if (IsOurs())
        {
            foreach (var line in Ctr("tasks", "ls", "-q").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                Ctr("tasks", "kill", "--signal", "SIGKILL", line.Trim());
                Ctr("tasks", "delete", "--force", line.Trim());
            }

            foreach (var line in Ctr("containers", "ls", "-q").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                Ctr("containers", "rm", line.Trim());
            }

            // SIGTERM lets containerd close its sockets; our containerd only, by its PID.
            ToolRun.Of("kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));
            for (var i = 0; i < 100 && IsOurs(); i++)
            {
                Thread.Sleep(100);
            }
        }

        foreach (var mount in MountsUnderDir().OrderByDescending(m => m.Length))
        {
            ToolRun.Of("umount", ["-l", mount], TimeSpan.FromSeconds(10));
        }

        RemoveCgroupParent();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void RequireRoot()
    {
        var uid = File.ReadLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal))
            .Split('\t', StringSplitOptions.RemoveEmptyEntries)[2];
        if (uid != "0")
        {
            throw new InvalidOperationException($"the end-to-end tests need root (containerd, mounts, cgroups): effective uid is {uid}. Run them as root.");
        }
    }

    private void InstallShim()
    {
        var from = PublishedBinaries.ShimDir;
        var bin = Path.Combine(Dir, "opt", "bin");
        foreach (var file in Directory.EnumerateFiles(from))
        {
            // The shim and what it loads from beside itself (libwasmtime.so); no debug symbols.
            if (!file.EndsWith(".pdb", StringComparison.Ordinal) && !file.EndsWith(".dbg", StringComparison.Ordinal))
            {
                File.Copy(file, Path.Combine(bin, Path.GetFileName(file)), overwrite: true);
            }
        }
    }

    private void Start()
    {
        // sh execs setsid, which execs containerd: the PID we get is containerd's. A clean environment
        // with the cache dir the shim must use (it inherits containerd's environment).
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec setsid containerd --config \"$1/config.toml\" --root \"$1/root\" --state \"$1/state\" --address \"$2\" </dev/null >>\"$1/containerd.log\" 2>&1");
        info.ArgumentList.Add("sh");
        info.ArgumentList.Add(Dir);
        info.ArgumentList.Add(Address);
        info.Environment.Clear();
        info.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        info.Environment["WASMCELL_PRECOMPILE_DIR"] = PrecompileDir;
        using (var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start containerd"))
        {
            Pid = process.Id;
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!(File.Exists(Address) && ToolRun.Of("ctr", ["--address", Address, "version"], TimeSpan.FromSeconds(10)).ExitCode == 0))
        {
            if (DateTime.UtcNow > deadline || !Directory.Exists($"/proc/{Pid}"))
            {
                var log = File.Exists(LogPath) ? File.ReadAllText(LogPath) : "(no log)";
                throw new InvalidOperationException($"private containerd did not come up on {Address}:\n{log[Math.Max(0, log.Length - 3000)..]}");
            }

            Thread.Sleep(50);
        }

        if (!IsOurs())
        {
            throw new InvalidOperationException($"pid {Pid} is not our containerd");
        }
    }

    private bool IsOurs()
    {
        try
        {
            var cmdline = File.ReadAllText($"/proc/{Pid}/cmdline").Replace('\0', ' ');
            return cmdline.Contains($"--address {Address}", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private IEnumerable<string> MountsUnderDir() =>
        File.ReadLines("/proc/self/mountinfo")
            .Select(line => line.Split(' ')[4])
            .Where(point => point.StartsWith(Dir + "/", StringComparison.Ordinal));

    /// <summary>The shim removes each container's cgroup; the parent we named is ours to remove (cgroup v1: in every hierarchy).</summary>
    private void RemoveCgroupParent()
    {
        foreach (var root in new[] { "/sys/fs/cgroup" }.Concat(Directory.Exists("/sys/fs/cgroup") ? Directory.EnumerateDirectories("/sys/fs/cgroup") : []))
        {
            var parent = root + CgroupParent;
            if (!Directory.Exists(parent))
            {
                continue;
            }

            foreach (var child in Directory.EnumerateDirectories(parent))
            {
                TryRmdir(child);
            }

            TryRmdir(parent);
        }
    }

    private static void TryRmdir(string path)
    {
        try
        {
            Directory.Delete(path); // cgroupfs: rmdir of an empty cgroup, never recursive
        }
        catch (IOException)
        {
        }
    }
}
