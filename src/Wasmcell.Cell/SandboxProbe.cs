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
    public const string Annotation = "wasmcell.io/test-sandbox-probe";

    public static bool IsRequested(Spec spec) => spec.Annotations?.ContainsKey(Annotation) == true;

    public static unsafe int Run()
    {
        var parent = (long)Libc.Syscall(Number("getppid"), 0, 0, 0, 0);
        var lines = new List<string>
        {
            // Another process: the shim's daemon, then init.
            Try("ptrace-seize-daemon", "ptrace", 0x4206 /* PTRACE_SEIZE */, parent, 0, 0),
            Try("process_vm_readv-daemon", "process_vm_readv", parent, 0, 0, 0),
            Try("kill-daemon", "kill", parent, 0, 0, 0),
            Try("kill-init", "kill", 1, 0, 0, 0),
            Try("tgkill-daemon", "tgkill", parent, parent, 0, 0),
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
            Try("setpriority-daemon", "setpriority", 99 /* no such "which" */, parent, 0, 0),
            Try("mknodat", "mknodat", -1, 0, 0, 0),
            Try("vmsplice", "vmsplice", -1, 0, 0, 0),
            Try("shmget", "shmget", 0 /* IPC_PRIVATE */, 0 /* below SHMMIN */, 0, 0),
            Try("socketpair-unix", "socketpair", 1 /* AF_UNIX */, 1, 0, 0 /* no sv[] */),
            Try("ioctl-tiocsti", "ioctl", -1, 0x5412 /* TIOCSTI */, 0, 0),
            Try("prctl-set-dumpable", "prctl", 4 /* PR_SET_DUMPABLE */, 7 /* invalid */, 0, 0),
            Try("prlimit-daemon", "prlimit64", parent, 7 /* RLIMIT_NOFILE */, 0, 0 /* neither set nor get */),
            // A call newer than the filter's table (fchmodat2, 452): ENOSYS, as on an older kernel.
            TryNumber("newer-fchmodat2", 452, -1, 0, 0, 0),
        };
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

    private static long Number(string name) => SyscallTableX64.Numbers[name];
}
#endif
