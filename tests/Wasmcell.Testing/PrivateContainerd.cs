using System.Diagnostics;
using System.Text;

namespace Wasmcell.Testing;

/// <summary>
/// A private containerd 1.6 (recipe: ../shared/docs/test-environment/README.md): own
/// --config/--root/--state/--address under a short /tmp/&lt;prefix&gt;-XXXXXX, CRI disabled, never
/// /etc/containerd, the opt plugin at DIR/opt so DIR/opt/bin/containerd-shim-wasm-v1 is found. ctr runs get a
/// private FIFO dir, runc root and cgroup (/&lt;prefix&gt;-XXXXXX/&lt;id&gt;). Disposal tears everything down,
/// crash leftovers included. The parameterless constructor is the integration tests' collection fixture;
/// others start one with <see cref="StartAsync"/> and their <see cref="PrivateContainerdOptions"/>.
/// Needs root: without it every test fails with a message saying so.
/// </summary>
public sealed class PrivateContainerd : IAsyncLifetime
{
    /// <summary>The namespace of the default options (the integration tests').</summary>
    public const string TestNamespace = "wct";

    private readonly PrivateContainerdOptions _options;

    private readonly Lazy<string> _wasmRootfs;
    private readonly Lazy<string> _busyboxRootfs;
    private readonly object _shimGate = new();
    private bool _shimInstalled;
    private int _nextId;

    public PrivateContainerd()
        : this(new PrivateContainerdOptions())
    {
    }

    private PrivateContainerd(PrivateContainerdOptions options)
    {
        _options = options;
        var name = options.Prefix + "-" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..6];
        Dir = Path.Combine("/tmp", name);
        Address = Path.Combine(Dir, "c.sock");
        CgroupParent = "/" + name;
        Ctr = new Ctr(Address, options.Namespace);
        _wasmRootfs = new(() => Rootfs.CreateWasm(Path.Combine(Dir, "rootfs-wasm")));
        _busyboxRootfs = new(() => Rootfs.CreateBusybox(Path.Combine(Dir, "rootfs-busybox")));
    }

    public string Dir { get; }

    public string Address { get; }

    /// <summary>containerd's ttrpc socket (grpc address + ".ttrpc"), where shims publish events.</summary>
    public string TtrpcAddress => Address + ".ttrpc";

    /// <summary>The namespace <see cref="Ctr"/> and <see cref="RunAsync"/> work in.</summary>
    public string Namespace => _options.Namespace;

    /// <summary>The shim's precompile cache when <see cref="PrivateContainerdOptions.PrivatePrecompileCache"/> is set.</summary>
    public string PrecompileDir => Path.Combine(Dir, "precompiled");

    /// <summary>Parent of every container cgroup we ask for; removed at teardown (runc never removes parents).</summary>
    public string CgroupParent { get; }

    public Ctr Ctr { get; }

    public string FifoDir => Path.Combine(Dir, "fifo");

    public string RuncRoot => Path.Combine(Dir, "state", "runc");

    public string LogPath => Path.Combine(Dir, "containerd.log");

    /// <summary>Bundles of our namespace: state/io.containerd.runtime.v2.task/wct/&lt;id&gt;.</summary>
    public string BundlesDir => Path.Combine(Dir, "state", "io.containerd.runtime.v2.task", Namespace);

    public int ContainerdPid { get; private set; }

    /// <summary>A shared rootfs with every test module (plus /data/greeting.txt, /sub, /notes.txt).</summary>
    public string WasmRootfs => _wasmRootfs.Value;

    /// <summary>A shared rootfs with static busybox and its applets (plus the same data files).</summary>
    public string BusyboxRootfs => _busyboxRootfs.Value;

    public string RootfsFor(Flavor flavor) => flavor == Flavor.Wasm ? WasmRootfs : BusyboxRootfs;

    /// <summary>A private copy for tests that write into the rootfs.</summary>
    public string FreshRootfs(Flavor flavor, string name) =>
        flavor == Flavor.Wasm
            ? Rootfs.CreateWasm(Path.Combine(Dir, "rootfs", name))
            : Rootfs.CreateBusybox(Path.Combine(Dir, "rootfs", name));

    /// <summary>A container id no other test of this run uses (our own containerd and namespace: no other daemon sees it).</summary>
    public string NewId(string prefix) => $"{prefix}-{Interlocked.Increment(ref _nextId)}";

    public string CgroupOf(string id) => $"{CgroupParent}/{id}";

    /// <summary>Live shim processes of our containerd (their command line carries `-address &lt;ours&gt;`).</summary>
    public IReadOnlyList<(int Pid, string Cmdline)> ShimProcesses() =>
        HostProcesses.Mentioning($" -address {Address}", ContainerdPid);

    /// <summary>The socket a shim of this group listens on.</summary>
    public string ShimSocketOf(string group) => ShimSocket.PathFor(Address, Namespace, group);

    /// <summary>Starts a private containerd with <paramref name="options"/>; dispose it to tear everything down.</summary>
    public static async Task<PrivateContainerd> StartAsync(PrivateContainerdOptions options)
    {
        var containerd = new PrivateContainerd(options);
        try
        {
            await containerd.InitializeAsync();
        }
        catch
        {
            await containerd.DisposeAsync();
            throw;
        }

        return containerd;
    }

    public async Task InitializeAsync()
    {
        RequireRoot();
        foreach (var tool in new[] { "containerd", "ctr", "runc" })
        {
            if (!File.Exists($"/usr/bin/{tool}") && !File.Exists($"/usr/sbin/{tool}"))
            {
                throw new InvalidOperationException($"{tool} is not installed: apt-get install -y containerd runc busybox-static");
            }
        }
        if (Address.Length + ".ttrpc".Length >= 100)
        {
            throw new InvalidOperationException($"socket path {Address}.ttrpc is too long for sun_path");
        }

        foreach (var d in new[] { "root", "state", "tmp", "fifo", "opt/bin" })
        {
            Directory.CreateDirectory(Path.Combine(Dir, d));
        }

        Directory.CreateDirectory(RuncRoot);
        if (_options.InstallShim)
        {
            RequireShim();
        }

        await File.WriteAllTextAsync(Path.Combine(Dir, "config.toml"), _options.ConfigToml?.Invoke(this) ?? ConfigToml());
        if (_options.BeforeStart is { } beforeStart)
        {
            await beforeStart(this);
        }
        await StartDaemonAsync();
    }

    public async Task DisposeAsync()
    {
        var problems = await PrivateContainerdTeardown.RunAsync(this);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("teardown left things behind:\n" + string.Join('\n', problems));
        }
    }

    /// <summary>DIR/opt/bin, which containerd puts first on its PATH: where the shim is installed.</summary>
    public string OptBin => Path.Combine(Dir, "opt", "bin");

    /// <summary>
    /// Installs the shim into DIR/opt/bin on first use. Throws (failing the test with the reason) when it
    /// cannot be found or published: wasm tests need it, runc tests do not.
    /// </summary>
    public void RequireShim()
    {
        lock (_shimGate)
        {
            if (_shimInstalled)
            {
                return;
            }
            // Everything beside the binary (libwasmtime.so; for a non-AOT build also its assemblies and
            // runtimes/), except debug symbols: the shim must find its parts next to itself.
            var from = ShimBinary.EnsurePublished();
            var bin = Path.Combine(Dir, "opt", "bin");
            foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            {
                if (file.EndsWith(".pdb", StringComparison.Ordinal) || file.EndsWith(".dbg", StringComparison.Ordinal))
                {
                    continue;
                }

                var target = Path.Combine(bin, Path.GetRelativePath(from, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target, overwrite: true);
            }
            _shimInstalled = true;
        }
    }

    /// <summary>The `ctr run` arguments for a request: private FIFO dir, runc root and cgroup always.</summary>
    public List<string> RunArgs(RunRequest r)
    {
        var args = new List<string> { "run" };
        if (r.Detach)
        {
            args.Add("--detach");
        }
        else if (r.Remove)
        {
            args.Add("--rm");
        }

        args.AddRange(["--runtime", r.Runtime, "--fifo-dir", FifoDir, "--cgroup", CgroupOf(r.Id), "--runc-root", RuncRoot]);
        if (r.ReadOnly)
        {
            args.Add("--read-only");
        }

        if (r.Tty)
        {
            args.Add("--tty");
        }

        if (r.Cwd is not null)
        {
            args.AddRange(["--cwd", r.Cwd]);
        }

        if (r.LogFile is not null)
        {
            args.AddRange(["--log-uri", "file://" + r.LogFile]);
        }

        foreach (var e in r.Env)
        {
            args.AddRange(["--env", e]);
        }

        foreach (var (k, v) in r.Annotations)
        {
            args.AddRange(["--annotation", $"{k}={v}"]);
        }

        args.AddRange(r.Flags);
        args.AddRange(["--rootfs", r.Rootfs, r.Id]);
        args.AddRange(r.Args);
        return args;
    }

    /// <summary>Runs `ctr run` for the request (the wasm runtime installs the shim first).</summary>
    public Task<CommandResult> RunAsync(RunRequest r, byte[]? stdin = null, TimeSpan? timeout = null)
    {
        if (r.Runtime == Runtimes.Wasm)
        {
            RequireShim();
        }

        return Ctr.RunAsync(RunArgs(r), timeout, stdin);
    }

    /// <summary>Starts `ctr run` for the request without waiting (kill tests watch its output while it runs).</summary>
    public RunningCommand StartRun(RunRequest r, TimeSpan? timeout = null, bool holdStdin = false)
    {
        if (r.Runtime == Runtimes.Wasm)
        {
            RequireShim();
        }

        return CommandRunner.Start("ctr", ["--address", Address, "--namespace", Namespace, .. RunArgs(r)], timeout ?? Ctr.DefaultTimeout, holdStdin: holdStdin);
    }

    /// <summary>The request for running <paramref name="args"/> of a flavour on its shared rootfs.</summary>
    public RunRequest Request(Flavor flavor, string id, IReadOnlyList<string> args) =>
        new(id, Runtimes.Of(flavor), RootfsFor(flavor), args);

    /// <summary>
    /// A config.json for `ctr containers create --config` (which has no --cgroup): ctr's own default spec
    /// (`ctr oci spec`) with our args, rootfs and cgroup.
    /// </summary>
    public async Task<string> SpecFileAsync(string id, string rootfs, IReadOnlyList<string> args)
    {
        var defaults = await CommandRunner.RunAsync("ctr", ["oci", "spec"], TimeSpan.FromSeconds(10));
        if (defaults.ExitCode != 0)
        {
            throw new InvalidOperationException("ctr oci spec failed: " + defaults.Describe());
        }

        var spec = System.Text.Json.Nodes.JsonNode.Parse(defaults.Stdout)!.AsObject();
        spec["process"]!["args"] = new System.Text.Json.Nodes.JsonArray(args.Select(a => (System.Text.Json.Nodes.JsonNode?)a).ToArray());
        spec["process"]!["cwd"] = "/";
        spec["root"] = new System.Text.Json.Nodes.JsonObject { ["path"] = rootfs };
        spec["linux"]!["cgroupsPath"] = CgroupOf(id);
        var path = Path.Combine(Dir, $"{id}.spec.json");
        await File.WriteAllTextAsync(path, spec.ToJsonString());
        return path;
    }

    /// <summary>Best-effort removal of a test's container whatever state it is in (for finally blocks).</summary>
    public async Task ForgetAsync(string id)
    {
        if (await Ctr.TaskAsync(id) is not null)
        {
            await Ctr.RunAsync("tasks", "kill", "--all", "--signal", "SIGKILL", id);
            await Ctr.WaitForStatusAsync(id, "STOPPED", TimeSpan.FromSeconds(10));
            await Ctr.RunAsync("tasks", "delete", "--force", id);
        }
        if ((await Ctr.ContainerIdsAsync()).Contains(id))
        {
            await Ctr.RunAsync("containers", "rm", id);
        }
    }

    public long LogLength => File.Exists(LogPath) ? new FileInfo(LogPath).Length : 0;

    /// <summary>containerd's log written since <paramref name="offset"/> (a <see cref="LogLength"/> taken earlier).</summary>
    public string LogSince(long offset)
    {
        using var f = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        f.Seek(offset, SeekOrigin.Begin);
        return new StreamReader(f, Encoding.UTF8).ReadToEnd();
    }

    // A socket file appears at bind(), before listen(): only a connect that succeeds means "serving".
    private static bool AcceptsConnections(string socketPath)
    {
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        try
        {
            probe.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(socketPath));
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    private static void RequireRoot()
    {
        var uid = File.ReadLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal))
            .Split('\t', StringSplitOptions.RemoveEmptyEntries)[2];
        if (uid != "0")
        {
            throw new InvalidOperationException(
                $"tests with a private containerd need root (containerd, runc, mounts, cgroups): effective uid is {uid}. Run them as root, or leave them out with --filter \"Needs!=root\".");
        }
    }

    private string ConfigToml() => $"""
        # Private containerd for Wasmcell's tests; every path is under {Dir}.
        version = 2
        root = "{Dir}/root"
        state = "{Dir}/state"
        temp = "{Dir}/tmp"
        # CRI has its own environment (IntegrationTests/Cri); the snapshotters that cannot work here only add log noise.
        disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
                            "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
                            "io.containerd.snapshotter.v1.devmapper"]

        [grpc]
          address = "{Address}"

        [debug]
          level = "info"

        [plugins]
          [plugins."io.containerd.internal.v1.opt"]
            # containerd prepends <path>/bin to its PATH: the shim goes in {Dir}/opt/bin
            path = "{Dir}/opt"

        """;

    /// <summary>
    /// Stops containerd alone (SIGTERM, as an upgrade or a crash-loop would) and starts it again on the same root,
    /// state and address; shims and their containers stay, for containerd to find again.
    /// </summary>
    public async Task RestartDaemonAsync()
    {
        await CommandRunner.RunAsync("kill", ["-TERM", ContainerdPid.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
        if (!await HostProcesses.WaitGoneAsync(ContainerdPid, TimeSpan.FromSeconds(15)))
        {
            throw new InvalidOperationException($"containerd {ContainerdPid} did not stop on SIGTERM");
        }
        await StartDaemonAsync();
    }

    private async Task StartDaemonAsync()
    {
        // sh execs setsid, which execs containerd (no fork: the child is no process-group leader), so the
        // pid we get is containerd's; new session, clean PATH, always --config (else /etc/containerd's).
        var psi = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            RedirectStandardInput = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec setsid containerd --config \"$1/config.toml\" --root \"$1/root\" --state \"$1/state\" --address \"$2\" </dev/null >>\"$1/containerd.log\" 2>&1");
        psi.ArgumentList.Add("sh");
        psi.ArgumentList.Add(Dir);
        psi.ArgumentList.Add(Address);
        psi.Environment.Clear();
        psi.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        if (_options.PrivatePrecompileCache)
        {
            // The shim and its cells inherit containerd's environment: nothing touches /var/lib/wasmcell.
            psi.Environment["WASMCELL_PRECOMPILE_DIR"] = PrecompileDir;
        }
        foreach (var (name, value) in _options.Environment)
        {
            psi.Environment[name] = value;
        }
        using (var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start containerd"))
        {
            ContainerdPid = p.Id;
        }

        await File.WriteAllTextAsync(Path.Combine(Dir, "containerd.pid"), ContainerdPid.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            if (File.Exists(Address))
            {
                var v = await CommandRunner.RunAsync("ctr", ["--address", Address, "version"], TimeSpan.FromSeconds(5));
                if (v.ExitCode == 0 && AcceptsConnections(TtrpcAddress))
                {
                    break;
                }
            }
            if (!HostProcesses.IsAlive(ContainerdPid) || DateTime.UtcNow > deadline)
            {
                var log = File.Exists(LogPath) ? File.ReadAllText(LogPath) : "(no log)";
                throw new InvalidOperationException($"private containerd did not come up on {Address}:\n{log[Math.Max(0, log.Length - 3000)..]}");
            }
            await Task.Delay(50);
        }
        if (HostProcesses.Cmdline(ContainerdPid)?.Contains($"--address {Address}", StringComparison.Ordinal) != true)
        {
            throw new InvalidOperationException($"pid {ContainerdPid} is not our containerd: {HostProcesses.Cmdline(ContainerdPid)}");
        }
    }
}
