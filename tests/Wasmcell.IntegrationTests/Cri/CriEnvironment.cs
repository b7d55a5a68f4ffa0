using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>
/// A private containerd 1.6 with the CRI plugin, a CNI bridge and a pause image, for tests that play
/// kubelet (recipe: ../shared/docs/test-environment/README.md, adapted). Everything lives under a
/// short /tmp/wcc-XXXXXX; the host-global names are the bridge <c>wcb0</c> and the subnet
/// 10.89.0.0/16 (chosen so they cannot collide with the recipe's wc0/10.88.0.0/16 or other test
/// setups on this host). Disposal tears everything down and fails if anything is left behind.
/// Needs root.
/// </summary>
public sealed class CriEnvironment : IAsyncLifetime
{
    public const string Bridge = "wcb0";
    public const string Subnet = "10.89.0.0/16";
    public const string Gateway = "10.89.0.1";
    public const string CriNamespace = "k8s.io";
    public const string PauseImage = "localhost/wcc/pause:1";
    public const string BusyboxImage = "localhost/wcc/busybox:1";
    public const string WebIndex = "hello from wcc pod\n";
    private const string NetworkName = "wcc";

    private bool _varLibCniExisted;
    private string? _ipForwardBaseline;
    private CriClient? _cri;
    private PrivateContainerd? _containerd;

    /// <summary>The one private containerd launcher (Wasmcell.Testing), here with the CRI plugin and CNI.</summary>
    public PrivateContainerd Containerd => _containerd ?? throw new InvalidOperationException("the CRI environment has not started");

    /// <summary>Null until containerd has started (teardown then has only the host network to clean).</summary>
    internal PrivateContainerd? StartedContainerd => _containerd;

    public string Name => Path.GetFileName(Dir);

    public string Dir => Containerd.Dir;

    public string Address => Containerd.Address;

    /// <summary>The cgroup parent our pods' cgroups go under (a path CRI passes to the runtime).</summary>
    public string CgroupParent => Containerd.CgroupParent;

    public int ContainerdPid => Containerd.ContainerdPid;

    internal CriClient Cri => _cri ?? throw new InvalidOperationException("CriEnvironment not initialized");

    public string LogPath => Containerd.LogPath;

    public string RuncRoot => Containerd.RuncRoot;

    public string NetnsDir => Path.Combine(Dir, "state", "io.containerd.grpc.v1.cri", "netns");

    public string IpamDir => Path.Combine(Dir, "cni", "ipam", NetworkName);

    public string OptBin => Containerd.OptBin;

    /// <summary>
    /// The RuntimeClasses of deploy/ (<c>wasm</c>, <c>wasm-shared</c>) and the default runc; this containerd's config
    /// (CriEnvironmentFiles) registers both handlers.
    /// </summary>
    internal RuntimeClasses RuntimeClasses { get; } = ExampleManifests.RuntimeClasses();

    /// <summary>A placement for a new pod: fresh uid, kubelet-style log directory under our dir, our cgroup parent.</summary>
    internal PodPlacement NewPlacement(string @namespace, string podName)
    {
        var uid = Guid.NewGuid().ToString();
        return new PodPlacement(uid, PodPlacement.KubeletLogDirectory(Path.Combine(Dir, "pods"), @namespace, podName, uid), CgroupParent)
        {
            PodName = podName,
            ImageMap = image => image.StartsWith("busybox", StringComparison.Ordinal) ? BusyboxImage : image,
        };
    }

    /// <summary>The socket a shim of this sandbox listens on (SPEC §2.3).</summary>
    public string ShimSocketOf(string sandboxId) => ShimSocket.PathFor(Address, CriNamespace, sandboxId);

    public async Task InitializeAsync()
    {
        Preflight();
        _varLibCniExisted = Directory.Exists("/var/lib/cni");
        _ipForwardBaseline = File.ReadAllText("/proc/sys/net/ipv4/ip_forward").Trim();
        _containerd = await PrivateContainerd.StartAsync(new PrivateContainerdOptions
        {
            Prefix = "wcc",
            Namespace = CriNamespace,
            ConfigToml = CriEnvironmentFiles.ConfigToml,
            BeforeStart = PrepareNetworkAsync,
        });
        _cri = new CriClient(Address);
        await _cri.WaitUntilReadyAsync(TimeSpan.FromSeconds(20));
        await ImportImagesAsync();
    }

    /// <summary>CNI's config and the bridge, before containerd's CRI plugin reads them.</summary>
    private static async Task PrepareNetworkAsync(PrivateContainerd containerd)
    {
        foreach (var d in new[] { "cni/net.d", "cni/ipam", "pods", "img" })
        {
            Directory.CreateDirectory(Path.Combine(containerd.Dir, d));
        }
        await File.WriteAllTextAsync(Path.Combine(containerd.Dir, "cni", "net.d", "10-wcc.conflist"),
            CriEnvironmentFiles.CniConfList(NetworkName, Bridge, Subnet, Gateway, Path.Combine(containerd.Dir, "cni", "ipam")));
        // The bridge exists before CNI runs, with the gateway address on it, so the bridge plugin
        // needs neither isGateway (which flips net.ipv4.ip_forward host-wide) nor ipMasq.
        await Run("ip", "link", "add", Bridge, "type", "bridge");
        await Run("ip", "addr", "add", Gateway + "/16", "dev", Bridge);
        await Run("ip", "link", "set", Bridge, "up");
    }

    public async Task DisposeAsync()
    {
        var problems = await CriEnvironmentTeardown.RunAsync(this, _cri, _varLibCniExisted, _ipForwardBaseline);
        _cri?.Dispose();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("CRI environment teardown left things behind:\n" + string.Join('\n', problems));
        }
    }

    /// <summary>Copies the published shim (its four binaries and libwasmtime.so) into our opt/bin, where containerd looks first.</summary>
    public void InstallShim()
    {
        var from = ShimBinary.EnsurePublished();
        foreach (var file in Directory.EnumerateFiles(from))
        {
            var name = Path.GetFileName(file);
            if (ShimBinary.Executables.Contains(name) || name.EndsWith(".so", StringComparison.Ordinal))
            {
                File.Copy(file, Path.Combine(OptBin, name), overwrite: true);
            }
        }
        // The wasm-shared handler's binary, as `wasmcell install` makes it.
        var shared = Path.Combine(OptBin, "containerd-shim-wasm-shared-v1");
        if (!File.Exists(shared))
        {
            File.CreateSymbolicLink(shared, ShimBinary.FileName);
        }
    }

    /// <summary>The veths currently enslaved to our bridge (one per running pod).</summary>
    public async Task<IReadOnlyList<string>> BridgePortsAsync()
    {
        var r = await CommandRunner.RunAsync("ip", ["-o", "link", "show", "master", Bridge], TimeSpan.FromSeconds(10));
        return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(':', 3)[1].Trim().Split('@')[0])
            .ToArray();
    }

    private void Preflight()
    {
        var uid = File.ReadLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal))
            .Split('\t', StringSplitOptions.RemoveEmptyEntries)[2];
        if (uid != "0")
        {
            throw new InvalidOperationException($"the CRI tests need root (containerd, CNI, netns, cgroups): effective uid is {uid}");
        }
        foreach (var tool in new[] { "/usr/bin/containerd", "/usr/bin/ctr", "/usr/sbin/runc", "/usr/lib/cni/bridge", "/usr/lib/cni/host-local", "/usr/lib/cni/loopback", "/bin/busybox", "/usr/bin/curl" })
        {
            if (!File.Exists(tool) && !File.Exists(tool.Replace("/usr/sbin/", "/usr/bin/")))
            {
                throw new InvalidOperationException($"{tool} is missing: apt-get install -y containerd runc containernetworking-plugins busybox-static curl");
            }
        }
        if (Directory.Exists($"/sys/class/net/{Bridge}"))
        {
            throw new InvalidOperationException($"link {Bridge} exists: another CRI test run is active on this host, or one crashed (then `ip link del {Bridge}`)");
        }
        var routes = File.ReadAllText("/proc/net/route");
        // 10.89.0.0 in /proc/net/route's little-endian hex.
        if (routes.Contains("0000590A", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{Subnet} collides with an existing route");
        }
    }

    /// <summary>
    /// Builds a single-layer image from <paramref name="entries"/> and imports it into the CRI
    /// namespace (e.g. a Wasm image: one .wasm file as the entrypoint). CRI sees it at once.
    /// </summary>
    internal async Task ImportImageAsync(string name, IReadOnlyList<OciArchive.LayerEntry> entries, IReadOnlyList<string>? entrypoint, IReadOnlyList<string>? cmd = null)
    {
        var tar = Path.Combine(Dir, "img", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)))[..16] + ".oci.tar");
        OciArchive.Write(tar, name, entries, entrypoint, cmd);
        await Run("ctr", "--address", Address, "--namespace", CriNamespace, "images", "import", tar);
    }

    private async Task ImportImagesAsync()
    {
        var busybox = await File.ReadAllBytesAsync("/bin/busybox");
        var pauseTar = Path.Combine(Dir, "img", "pause.oci.tar");
        // Not a real pause: `sleep` as PID 1 ignores SIGTERM, which is fine because CRI kills the
        // sandbox with SIGKILL.
        OciArchive.Write(pauseTar, PauseImage, [new("bin/busybox", busybox, Mode: OciArchive.LayerEntry.Executable)], ["/bin/busybox", "sleep", "inf"], null);
        string[] applets = ["sh", "echo", "cat", "ls", "sleep", "httpd", "nc", "ip", "hostname", "wget", "id", "ps", "true", "kill"];
        var busyboxTar = Path.Combine(Dir, "img", "busybox.oci.tar");
        OciArchive.Write(busyboxTar, BusyboxImage,
            [
                new("bin/busybox", busybox, Mode: OciArchive.LayerEntry.Executable),
                .. applets.Select(a => new OciArchive.LayerEntry("bin/" + a, LinkTarget: "busybox")),
                new("www/index.html", System.Text.Encoding.UTF8.GetBytes(WebIndex)),
                new("tmp", Mode: OciArchive.LayerEntry.Executable | UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite | UnixFileMode.StickyBit),
            ],
            null, ["/bin/sh"]);
        foreach (var tar in new[] { pauseTar, busyboxTar })
        {
            await Run("ctr", "--address", Address, "--namespace", CriNamespace, "images", "import", tar);
        }
    }

    internal static async Task Run(string file, params string[] args)
    {
        var r = await CommandRunner.RunAsync(file, args, TimeSpan.FromSeconds(60));
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException(r.Describe());
        }
    }
}
