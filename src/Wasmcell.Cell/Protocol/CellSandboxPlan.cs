using System.Globalization;
using System.Text;
using Wasmcell.Oci.RuntimeSpec;

namespace Wasmcell.Cell.Protocol;

/// <summary>
/// What the cell's native pre-main (src/Wasmcell.Cell/Native/cell_sandbox.c) does before the .NET runtime starts,
/// computed by the daemon from config.json and passed on <see cref="CellLaunch.PlanFd"/>: one directive per line,
/// tab-separated. The pre-main carries it out in a fixed order (namespaces joined, then made; the new root; the
/// AppArmor profile; limits; credentials; capabilities; no_new_privs), so the order of lines matters only among binds (parents first).
/// </summary>
public sealed class CellSandboxPlan
{
    /// <summary>The pipe the plan travels through holds this much without a reader.</summary>
    public const int MaxBytes = 60 * 1024;

    /// <summary>A character device the cell's root may hold.</summary>
    public sealed record CellDevice(string Path, int Major, int Minor);

    /// <summary>
    /// The only device nodes a cell's root can hold (every other mount is nodev, and the cell cannot mknod): the
    /// runtime reads /dev/urandom at start-up; /dev/null takes the cell's stdio when its guest is done.
    /// </summary>
    public static readonly IReadOnlyList<CellDevice> Devices =
        [new("/dev/null", 1, 3), new("/dev/zero", 1, 5), new("/dev/random", 1, 8), new("/dev/urandom", 1, 9)];

    /// <summary>The device the cell cannot start without.</summary>
    public static readonly CellDevice RuntimeRandom = Devices[3];

    // /proc of the cell's own pid namespace: what runc hides or makes read-only by default, whatever the spec says;
    // /proc/sys above all, whose files a uid 0 without capabilities may otherwise write (kernel.core_pattern).
    private static readonly string[] ReadonlyProc = ["/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus", "/proc/fs"];
    private static readonly string[] MaskedProc =
        ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/proc/latency_stats", "/proc/acpi", "/proc/scsi"];

    private static readonly Dictionary<string, int> Rlimits = new(StringComparer.Ordinal)
    {
        ["RLIMIT_CPU"] = 0,
        ["RLIMIT_FSIZE"] = 1,
        ["RLIMIT_DATA"] = 2,
        ["RLIMIT_STACK"] = 3,
        ["RLIMIT_CORE"] = 4,
        ["RLIMIT_RSS"] = 5,
        ["RLIMIT_NPROC"] = 6,
        ["RLIMIT_NOFILE"] = 7,
        ["RLIMIT_MEMLOCK"] = 8,
        ["RLIMIT_AS"] = 9,
        ["RLIMIT_LOCKS"] = 10,
        ["RLIMIT_SIGPENDING"] = 11,
        ["RLIMIT_MSGQUEUE"] = 12,
        ["RLIMIT_NICE"] = 13,
        ["RLIMIT_RTPRIO"] = 14,
        ["RLIMIT_RTTIME"] = 15,
    };

    private static readonly HashSet<string> PerSpec = new(StringComparer.Ordinal) { "network", "ipc", "uts", "cgroup", "pid" };

    private readonly List<string> _lines = [];
    private readonly SortedDictionary<string, bool> _binds = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, string> _filesAt = new(StringComparer.Ordinal);

    private CellSandboxPlan()
    {
    }

    /// <summary>The cell binary this plan is for (bound into its root): the one to spawn with it.</summary>
    public string Binary { get; private set; } = "";

    /// <summary>
    /// The files the cell runs from and may read: its binary, Wasmtime, the precompile cache (read-only), host
    /// libraries the runtime may open by name later (OpenSSL, for hashing on a cache miss and TLS), bound at their
    /// paths, and the host's CA certificates (<see cref="FindTrustStore"/>), bound only for a cell that may open sockets.
    /// </summary>
    public sealed record CellFiles(string Binary, string Wasmtime, string? PrecompileCache, IReadOnlyList<string>? Libraries = null,
        IReadOnlyList<string>? TrustStore = null);

    /// <summary>
    /// The directories OpenSSL (and so .NET's certificate validation) finds the system's trusted CA certificates in,
    /// as Debian lays them out: /usr/lib/ssl (cert.pem and certs link to /etc/ssl/certs), /etc/ssl/certs (the bundle
    /// and the hashed links) and /usr/share/ca-certificates (what the links point at). Public certificates only:
    /// /etc/ssl/private, which /usr/lib/ssl/private links to, is not among them.
    /// </summary>
    public static IReadOnlyList<string> FindTrustStore() =>
        [.. new[] { "/usr/lib/ssl", "/etc/ssl/certs", "/usr/share/ca-certificates" }.Where(Directory.Exists)];

    /// <summary>
    /// OpenSSL as .NET opens it (by soname, newest first), found where the dynamic loader looks when the cell's root
    /// has no /etc/ld.so.cache: its system directories. Bound rather than loaded up front, so a cell that hashes
    /// nothing (a cache hit) never maps it.
    /// </summary>
    public static IReadOnlyList<string> FindOpenSsl()
    {
        string[] systemDirectories = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"];
        foreach (var version in new[] { "3", "1.1" })
        {
            var found = new[] { "libssl.so.", "libcrypto.so." }
                .Select(name => systemDirectories.Select(d => Path.Join(d, name + version)).FirstOrDefault(File.Exists)).ToList();
            if (found.All(f => f is not null))
            {
                return found!;
            }
        }
        return [];
    }

    /// <summary>
    /// A Wasm container's cell: the spec's namespaces (a new mount and pid namespace always), a root holding the
    /// rootfs, the directory binds, config.json, its binaries and the cache read-only, a fresh /proc; the spec's
    /// rlimits and user; no capabilities.
    /// </summary>
    /// <param name="devices">Which of <see cref="Devices"/> the spec's device rules allow (all when null).</param>
    /// <param name="appArmorProfile">The AppArmor profile to change to, where the host enforces AppArmor.</param>
    public static CellSandboxPlan ForCell(Spec spec, CellLaunch launch, CellFiles files, Func<CellDevice, bool>? devices = null,
        string? appArmorProfile = null)
    {
        var plan = new CellSandboxPlan();
        if (appArmorProfile is not null)
        {
            plan.Line("apparmor", appArmorProfile);
        }
        plan.Namespaces(spec);
        plan.Files(files, Path.Join(launch.Bundle, CellLaunch.RootDirectory), cacheWritable: false);
        if (MayOpenSockets(spec))
        {
            // Outgoing https of a wasi:http/proxy component validates certificates against the host's CAs (only the
            // component cell's files have a trust store: the core cell has no TLS client).
            foreach (var directory in files.TrustStore ?? [])
            {
                plan.Bind(directory, readOnly: true);
            }
            plan.NameServiceFiles(spec);
        }
        plan.Bind(Path.Join(launch.Bundle, "config.json"), readOnly: true);
        plan.Bind(launch.Rootfs, readOnly: spec.Root?.Readonly ?? false);
        foreach (var m in spec.Mounts ?? [])
        {
            if (CellSpecBuilder.IsDirectoryBind(m))
            {
                plan.Bind(m.Source!, readOnly: m.Options?.Contains("ro") == true);
            }
        }
        plan.Proc(spec.Linux?.ReadonlyPaths, spec.Linux?.MaskedPaths, devices ?? (_ => true));
        if (launch.MemoryTasks is { } tasks)
        {
            plan.Line("keep", Number(CellLaunch.MemoryTasksFd), tasks);
        }
        foreach (var r in spec.Process?.Rlimits ?? [])
        {
            if (!Rlimits.TryGetValue(r.Type, out var resource))
            {
                throw new InvalidDataException($"process.rlimits: unknown limit {r.Type}");
            }
            plan.Line("rlimit", Number(resource), Number(r.Soft), Number(r.Hard));
        }
        var user = spec.Process?.User ?? new User();
        plan.Line(["ids", Number(user.Uid), Number(user.Gid), .. (user.AdditionalGids ?? []).Select(Number)]);
        return plan;
    }

    /// <summary>
    /// The container's /etc/resolv.conf and /etc/hosts (file mounts CRI gives every container of a pod) read-only at
    /// /etc in the cell's own root too, where the cell's name lookups (getaddrinfo: a proxy's outgoing requests, a
    /// command component's ip-name-lookup) read them, so names resolve as in a runc container of the pod. Without
    /// such a mount the cell has none: literal addresses and localhost still work.
    /// </summary>
    private void NameServiceFiles(Spec spec)
    {
        foreach (var m in spec.Mounts ?? [])
        {
            if (m.Destination is "/etc/resolv.conf" or "/etc/hosts" && m.Source is { } source && File.Exists(source))
            {
                _filesAt[m.Destination] = Path.GetFullPath(source);
            }
        }
    }

    private static bool MayOpenSockets(Spec spec)
    {
        try
        {
            return SocketPolicy.Allows(spec);
        }
        catch (ArgumentException)
        {
            return false; // a bad WASMCELL_SOCKETS fails the create in the cell, saying why
        }
    }

    /// <summary>
    /// A compile of one module into the cache on the daemon's behalf: the module comes as an fd
    /// (<see cref="CellLaunch.ModuleFd"/>), so its root holds nothing but the cell's files and the cache (writable);
    /// every namespace new, uid 0 without capabilities. It never runs guest code.
    /// </summary>
    public static CellSandboxPlan ForPrecompile(string rootDirectory, CellFiles files) => Isolated(rootDirectory, files, cacheWritable: true);

    /// <summary>
    /// A shared cell (many containers of one daemon in one process): every namespace new, a root holding only the
    /// cell's files and the cache (read-only), uid 0 without capabilities. Each container's rootfs, binds and stdio
    /// reach it as fds (SharedCellMessage), never as paths in its root.
    /// </summary>
    public static CellSandboxPlan ForShared(string rootDirectory, CellFiles files) => Isolated(rootDirectory, files, cacheWritable: false);

    private static CellSandboxPlan Isolated(string rootDirectory, CellFiles files, bool cacheWritable)
    {
        var plan = new CellSandboxPlan();
        foreach (var type in new[] { "network", "ipc", "uts", "pid" })
        {
            plan.Line("new", type);
        }
        plan.Line("new", "mount");
        plan.Files(files, rootDirectory, cacheWritable);
        plan.Proc(null, null, d => d == RuntimeRandom || d.Path == "/dev/null");
        plan.Line("ids", "0", "0");
        return plan;
    }

    /// <summary>The plan as the pre-main reads it.</summary>
    public byte[] ToBytes()
    {
        var text = new StringBuilder();
        foreach (var line in _lines)
        {
            text.Append(line).Append('\n');
        }
        foreach (var (path, readOnly) in _binds)
        {
            text.Append("bind\t").Append(path).Append('\t').Append(readOnly ? "ro" : "rw").Append('\n');
        }
        foreach (var (at, path) in _filesAt)
        {
            text.Append("bind\t").Append(path).Append("\tro\t").Append(at).Append('\n');
        }
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        return bytes.Length <= MaxBytes ? bytes
            : throw new InvalidDataException($"the container's sandbox plan is {bytes.Length} bytes (more than {MaxBytes}): too many mounts or rlimits");
    }

    public override string ToString() => Encoding.UTF8.GetString(ToBytes());

    private void Namespaces(Spec spec)
    {
        var newPid = true;
        foreach (var ns in spec.Linux?.Namespaces ?? [])
        {
            if (ns.Type == "mount")
            {
                if (!string.IsNullOrEmpty(ns.Path))
                {
                    throw new NotSupportedException($"the spec asks to join the mount namespace {ns.Path}; a Wasm cell always has a mount namespace of its own");
                }
                continue;
            }
            if (ns.Type == "user")
            {
                User(spec, ns);
                continue;
            }
            if (!PerSpec.Contains(ns.Type))
            {
                throw new NotSupportedException($"the spec asks for a {ns.Type} namespace, which io.containerd.wasm.v1 does not support");
            }
            if (string.IsNullOrEmpty(ns.Path))
            {
                Line("new", ns.Type);
                if (ns.Type == "uts" && !string.IsNullOrEmpty(spec.Hostname))
                {
                    Line("hostname", spec.Hostname);
                }
            }
            else
            {
                // A pod's namespaces (its sandbox's network, ipc, uts; its pid with shareProcessNamespace).
                Line("join", ns.Type, ns.Path);
                newPid &= ns.Type != "pid";
            }
        }
        // Whatever the spec says, the cell sees no host process and no host mount: a spec without a pid namespace
        // (hostPID) still gets one, because the guest has no /proc to see it through anyway.
        if (newPid && !(spec.Linux?.Namespaces ?? []).Any(n => n.Type == "pid" && string.IsNullOrEmpty(n.Path)))
        {
            Line("new", "pid");
        }
        Line("new", "mount");
    }

    private void User(Spec spec, Namespace ns)
    {
        if (!string.IsNullOrEmpty(ns.Path))
        {
            throw new NotSupportedException($"the spec asks to join the user namespace {ns.Path}, which io.containerd.wasm.v1 does not support; give uid/gid mappings for a new one instead");
        }
        if (spec.Linux?.UidMappings is not { Count: > 0 } uids || spec.Linux?.GidMappings is not { Count: > 0 } gids)
        {
            throw new InvalidDataException("the spec asks for a new user namespace without linux.uidMappings and linux.gidMappings");
        }
        Line("user", Map(uids), Map(gids));
    }

    private static string Map(List<IdMapping> mappings) =>
        string.Join(',', mappings.Select(m => FormattableString.Invariant($"{m.ContainerId} {m.HostId} {m.Size}")));

    private void Files(CellFiles files, string rootDirectory, bool cacheWritable)
    {
        Binary = files.Binary;
        Line("root", rootDirectory);
        Bind(files.Binary, readOnly: true);
        Bind(files.Wasmtime, readOnly: true);
        // Its dependencies (libgcc_s, libdl) come from the host's /lib, which the new root does not have.
        Line("preload", files.Wasmtime);
        foreach (var library in files.Libraries ?? [])
        {
            Bind(library, readOnly: true);
        }
        if (files.PrecompileCache is { } cache && Directory.Exists(cache))
        {
            Bind(cache, readOnly: !cacheWritable);
        }
    }

    private void Proc(List<string>? readonlyPaths, List<string>? maskedPaths, Func<CellDevice, bool> devices)
    {
        foreach (var device in Devices.Where(d => d == RuntimeRandom || devices(d)))
        {
            Bind(device.Path, readOnly: false);
        }
        Line("proc");
        foreach (var path in ReadonlyProc.Concat(ProcOnly(readonlyPaths)).Distinct(StringComparer.Ordinal))
        {
            Line("readonly", path);
        }
        foreach (var path in MaskedProc.Concat(ProcOnly(maskedPaths)).Distinct(StringComparer.Ordinal))
        {
            Line("mask", path);
        }
    }

    // The cell's root has no /sys; of the spec's paths only those under /proc exist there.
    private static IEnumerable<string> ProcOnly(List<string>? paths) =>
        (paths ?? []).Where(p => p.StartsWith("/proc/", StringComparison.Ordinal) && !p.Contains("/../", StringComparison.Ordinal));

    private void Bind(string path, bool readOnly)
    {
        var full = Path.GetFullPath(path);
        if (full == "/")
        {
            throw new NotSupportedException("a bind mount of the host's / into a Wasm container is not supported");
        }
        // Read-only wins when the same source is bound twice.
        _binds[full] = readOnly || (_binds.TryGetValue(full, out var ro) && ro);
    }

    private void Line(params string[] fields)
    {
        foreach (var f in fields)
        {
            if (f.Contains('\t') || f.Contains('\n') || f.Contains('\0'))
            {
                throw new InvalidDataException($"a path or name for the cell's sandbox contains a tab, newline or NUL: {f}");
            }
        }
        _lines.Add(string.Join('\t', fields));
    }

    private static string Number(ulong n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Number(uint n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);
}
