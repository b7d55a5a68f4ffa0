#if CELL_PROBE
using System.Runtime.InteropServices;
using Wasmcell.Linux;
using Wasmcell.Linux.Seccomp;
using Wasmcell.Oci.RuntimeSpec;

namespace Wasmcell.Cell;

/// <summary>
/// TEST-ONLY (compiled only with CELL_PROBE, which no release build sets): native code running inside a real cell
/// after its sandbox is applied, as code that escaped Wasmtime would, trying what such code would try. Each line
/// of its output is "probe NAME: denied ERRNO" or "probe NAME: allowed"; the integration test decides which must
/// be denied. Every attempt is made so it has no effect even when allowed (signal 0, invalid arguments).
/// </summary>
public static class SandboxProbe
{
    /// <summary>Its value: a host pid to aim at (the cell's own namespace hides its parent), then host paths, ':'-separated.</summary>
    public const string Annotation = "wasmcell.io/test-sandbox-probe";

    public static bool IsRequested(Spec spec) => spec.Annotations?.ContainsKey(Annotation) == true;

    public static unsafe int Run(Spec spec)
    {
        var targets = spec.Annotations![Annotation].Split(':', StringSplitOptions.RemoveEmptyEntries);
        var host = targets.Length > 0 && long.TryParse(targets[0], out var pid) ? pid : 1;
        var lines = new List<string>
        {
            // Another process: a host process the test names (containerd).
            Try("ptrace-seize-host-process", "ptrace", 0x4206 /* PTRACE_SEIZE */, host, 0, 0),
            Try("process_vm_readv-host-process", "process_vm_readv", host, 0, 0, 0),
            Try("kill-host-process", "kill", host, 0, 0, 0),
            // Every process it may signal (in its own pid namespace, where it is pid 1, only itself).
            Try("kill-all", "kill", -1, 0, 0, 0),
            Try("tgkill-host-process", "tgkill", host, host, 0, 0),
            // containerd's and the shims' unix sockets, netlink.
            Try("socket-unix", "socket", 1 /* AF_UNIX */, 1 /* SOCK_STREAM */, 0, 0),
            Try("socket-netlink", "socket", 16 /* AF_NETLINK */, 3 /* SOCK_RAW */, 0, 0),
            Try("socket-packet", "socket", 17 /* AF_PACKET */, 3, 0, 0),
            // New namespaces and mounts.
            Try("unshare-user", "unshare", 0x10000000 /* CLONE_NEWUSER */, 0, 0, 0),
            Try("unshare-mount", "unshare", 0x00020000 /* CLONE_NEWNS */, 0, 0, 0),
            // CLONE_NEWUSER | CLONE_FS is invalid: the kernel would answer EINVAL if the filter let it through.
            Try("clone-newuser", "clone", 0x10000000 | 0x00000200, 0, 0, 0),
            Try("setns", "setns", -1, 0, 0, 0),
            Try("mount-tmpfs", "mount", 0, 0, 0, 0),
            Try("pivot_root", "pivot_root", 0, 0, 0, 0),
            // Kernel interfaces a cell never needs.
            Try("bpf", "bpf", 0, 0, 0, 0),
            Try("keyctl", "keyctl", 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* KEY_SPEC_SESSION_KEYRING */, 0, 0),
            Try("io_uring_setup", "io_uring_setup", 1, 0, 0, 0),
            Try("perf_event_open", "perf_event_open", 0, 0, -1, -1),
            Try("init_module", "init_module", 0, 0, 0, 0),
            // Allowed by a deny-list, refused only by the allow-list; each with arguments the kernel would reject.
            Try("execve", "execve", 0, 0, 0, 0),
            Try("personality", "personality", 0xffffffff /* query only */, 0, 0, 0),
            Try("setpriority-host-process", "setpriority", 99 /* no such "which" */, host, 0, 0),
            Try("mknodat", "mknodat", -1, 0, 0, 0),
            Try("vmsplice", "vmsplice", -1, 0, 0, 0),
            Try("shmget", "shmget", 0 /* IPC_PRIVATE */, 0 /* below SHMMIN */, 0, 0),
            Try("socketpair-unix", "socketpair", 1 /* AF_UNIX */, 1, 0, 0 /* no sv[] */),
            Try("ioctl-tiocsti", "ioctl", -1, 0x5412 /* TIOCSTI */, 0, 0),
            Try("prctl-set-dumpable", "prctl", 4 /* PR_SET_DUMPABLE */, 7 /* invalid */, 0, 0),
            Try("prlimit-host-process", "prlimit64", host, 7 /* RLIMIT_NOFILE */, 0, 0 /* neither set nor get */),
            // A call newer than the filter's table (fchmodat2, 452): ENOSYS, as on an older kernel.
            TryNumber("newer-fchmodat2", 452, -1, 0, 0, 0),
            // Back to uid 0's full capabilities.
            TryRaiseCapabilities(),
            // The host's files, through the cell's root: what is not bound in is not there, what is bound is read-only.
            TryOpen("read-host-shadow", "/etc/shadow", Libc.O_RDONLY),
            TryOpen("write-core_pattern", "/proc/sys/kernel/core_pattern", Libc.O_WRONLY),
            TryOpen("write-sysrq-trigger", "/proc/sysrq-trigger", Libc.O_WRONLY),
            TryOpen("write-cell-binary", Environment.ProcessPath ?? "/nonexistent", Libc.O_WRONLY),
            TryOpen("write-precompile-cache", Path.Join(CachePath(), "keys", "probe"), Libc.O_WRONLY | Libc.O_CREAT),
            TryOpen("create-in-root", "/probe", Libc.O_WRONLY | Libc.O_CREAT),
            SeesOtherProcesses(),
        };
        for (var i = 1; i < targets.Length; i++)
        {
            lines.Add(TryOpen($"open-host-path-{i}", targets[i], Libc.O_RDONLY));
        }
        foreach (var line in lines)
        {
            Console.Out.WriteLine(line);
        }
        Console.Out.Flush();
        return 0;
    }

    private static string Try(string name, string call, long a1, long a2, long a3, long a4) =>
        TryNumber(name, Number(call), a1, a2, a3, a4);

    private static string TryNumber(string name, long number, long a1, long a2, long a3, long a4)
    {
        var rc = Libc.Syscall(number, a1, a2, a3, a4);
        var errno = Marshal.GetLastPInvokeError();
        if (rc >= 0 && name.StartsWith("socket", StringComparison.Ordinal))
        {
            Libc.Close((int)rc);
        }
        return rc >= 0 ? $"probe {name}: allowed" : $"probe {name}: denied {(Errno)errno}";
    }

    private static string TryOpen(string name, string path, int flags)
    {
        var fd = Libc.Open(path, flags | Libc.O_CLOEXEC, 0x180);
        if (fd < 0)
        {
            return $"probe {name}: denied {Libc.Errno}";
        }
        Libc.Close(fd);
        return $"probe {name}: allowed";
    }

    private static unsafe string TryRaiseCapabilities()
    {
        var header = stackalloc uint[2] { 0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0 };
        var data = stackalloc uint[6] { uint.MaxValue, uint.MaxValue, uint.MaxValue, uint.MaxValue, uint.MaxValue, uint.MaxValue };
        var rc = Libc.Syscall(Number("capset"), (long)header, (long)data, 0, 0);
        var errno = Marshal.GetLastPInvokeError();
        return rc >= 0 ? "probe raise-capabilities: allowed" : $"probe raise-capabilities: denied {(Errno)errno}";
    }

    /// <summary>"allowed" when /proc lists any process but this one.</summary>
    private static string SeesOtherProcesses()
    {
        var others = Directory.EnumerateDirectories("/proc").Select(Path.GetFileName)
            .Count(n => int.TryParse(n, out var pid) && pid != Environment.ProcessId);
        return others == 0 ? "probe see-other-processes: denied ESRCH" : $"probe see-other-processes: allowed ({others})";
    }

    private static string CachePath() =>
        Protocol.CellEnvironment.PrecompileDirectory(Environment.GetEnvironmentVariable) ?? Runtime.Cache.PrecompileCache.DefaultRoot;

    private static long Number(string name) => SyscallTableX64.Numbers[name];
}
#endif
