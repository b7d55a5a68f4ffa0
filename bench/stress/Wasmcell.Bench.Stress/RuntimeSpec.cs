using System.Text.Json.Nodes;

namespace Wasmcell.Bench.Stress;

/// <summary>
/// The OCI runtime spec of one bench container: containerd 1.6's default Linux spec (what `ctr run` sends:
/// pid/ipc/uts/mount/network namespaces, the usual mounts, masked and read-only paths, the default
/// capabilities) with the image's args, env and working directory, a cgroup of its own and the mode's annotations.
/// </summary>
public static class RuntimeSpec
{
    public const string TypeUrl = "types.containerd.io/opencontainers/runtime-spec/1/Spec";

    private static readonly string[] Capabilities =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID",
        "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ];

    private static readonly string[] MaskedPaths =
    [
        "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
    ];

    private static readonly string[] ReadonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

    /// <param name="rootPath">root.path: "rootfs" (the bundle's, where containerd mounts the snapshot) or an absolute directory.</param>
    public static string Json(Mode mode, string id, string rootPath, IReadOnlyList<string> args, IReadOnlyList<string> env,
        string cwd, string cgroupParent)
    {
        var envArray = new JsonArray();
        foreach (var e in env.Count > 0 ? env : ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"])
        {
            envArray.Add(e);
        }
        var annotations = new JsonObject();
        foreach (var (key, value) in mode.Annotations)
        {
            annotations[key] = value;
        }
        var spec = new JsonObject
        {
            ["ociVersion"] = "1.0.2-dev",
            ["process"] = new JsonObject
            {
                ["user"] = new JsonObject { ["uid"] = 0, ["gid"] = 0 },
                ["args"] = Strings(args),
                ["env"] = envArray,
                ["cwd"] = string.IsNullOrEmpty(cwd) ? "/" : cwd,
                ["capabilities"] = new JsonObject
                {
                    ["bounding"] = Strings(Capabilities),
                    ["effective"] = Strings(Capabilities),
                    ["permitted"] = Strings(Capabilities),
                },
                ["rlimits"] = new JsonArray(new JsonObject { ["type"] = "RLIMIT_NOFILE", ["hard"] = 1024, ["soft"] = 1024 }),
                ["noNewPrivileges"] = true,
            },
            ["root"] = new JsonObject { ["path"] = rootPath },
            ["mounts"] = new JsonArray(
                Mount("/proc", "proc", "proc", "nosuid", "noexec", "nodev"),
                Mount("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k"),
                Mount("/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"),
                Mount("/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k"),
                Mount("/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev"),
                Mount("/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro"),
                Mount("/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", "ro")),
            ["annotations"] = annotations,
            ["linux"] = new JsonObject
            {
                ["resources"] = new JsonObject
                {
                    ["devices"] = new JsonArray(new JsonObject { ["allow"] = false, ["access"] = "rwm" }),
                },
                ["cgroupsPath"] = $"{cgroupParent.TrimEnd('/')}/{id}",
                ["namespaces"] = new JsonArray(
                    Namespace("pid"), Namespace("ipc"), Namespace("uts"), Namespace("mount"), Namespace("network")),
                ["maskedPaths"] = Strings(MaskedPaths),
                ["readonlyPaths"] = Strings(ReadonlyPaths),
            },
        };
        return spec.ToJsonString();
    }

    private static JsonArray Strings(IEnumerable<string> values)
    {
        var array = new JsonArray();
        foreach (var v in values)
        {
            array.Add(v);
        }
        return array;
    }

    private static JsonObject Mount(string destination, string type, string source, params string[] options) => new()
    {
        ["destination"] = destination,
        ["type"] = type,
        ["source"] = source,
        ["options"] = Strings(options),
    };

    private static JsonObject Namespace(string type) => new() { ["type"] = type };
}
