using Wasmcell.Linux;
using Wasmcell.Linux.Seccomp;
using Wasmcell.Oci.RuntimeSpec;

namespace Wasmcell.Cell;

/// <summary>
/// The cell's seccomp filters, installed on every thread (TSYNC) once the cell holds everything it needs and
/// before the guest runs: a built-in filter, always, refusing what a Wasm cell never does and what code that
/// escaped Wasmtime would use to reach past its container; and the spec's profile when config.json has one
/// (CRI's RuntimeDefault or Localhost). The kernel answers each call with the stricter of the two.
/// </summary>
public static class CellSeccomp
{
    // Namespaces, mounts, kernel keyrings and modules, tracing and reading other processes, BPF, the clock,
    // rebooting: nothing a cell does after start-up. io_uring is refused because its operations bypass seccomp.
    private static readonly string[] Refused =
    [
        "ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "kcmp", "pidfd_getfd", "pidfd_send_signal",
        "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "mount_setattr", "move_mount", "open_tree",
        "fsopen", "fsconfig", "fsmount", "fspick", "open_by_handle_at", "name_to_handle_at", "quotactl", "quotactl_fd",
        "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd", "lookup_dcookie", "syslog",
        "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff",
        "acct", "iopl", "ioperm", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "sethostname",
        "setdomainname", "vhangup", "io_uring_setup", "io_uring_enter", "io_uring_register", "tkill",
    ];

    // Every CLONE_NEW* flag (linux/sched.h): a new thread or process, never a new namespace.
    private const ulong CloneNewFlags = 0x00000080 | 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000
        | 0x20000000 | 0x40000000;

    private const ulong AF_INET = 2, AF_INET6 = 10;

    /// <summary>Installs the built-in filter, then the spec's profile if any, on every thread of this process.</summary>
    public static void Apply(Spec spec, bool socketsAllowed)
    {
        BuiltIn(Environment.ProcessId, socketsAllowed).Install(SeccompFilter.FlagSynchronizeThreads);
        if (spec.Linux?.Seccomp is { } profile)
        {
            var (filter, flags) = FromProfile(profile);
            filter.Install(SeccompFilter.FlagSynchronizeThreads | flags);
        }
    }

    /// <summary>
    /// Everything is allowed except: the calls in <see cref="Refused"/>; signals to any process but this one;
    /// clone with a CLONE_NEW* flag; clone3 (its flags sit in memory seccomp cannot read: ENOSYS makes glibc use
    /// clone); and socket() unless the container may open sockets, then only IPv4 and IPv6 (no unix sockets to
    /// containerd, no netlink, no raw packets). Another ABI (i386, x32) kills the process.
    /// </summary>
    public static SeccompFilter BuiltIn(int pid, bool socketsAllowed)
    {
        var refuse = SeccompAction.Errno(Errno.EPERM);
        var self = new ArgCondition(0, ArgOp.Equal, (ulong)pid, LowWordOnly: true);
        var rules = new List<SyscallRule>();
        foreach (var name in Refused)
        {
            rules.Add(new SyscallRule(Number(name), refuse));
        }
        foreach (var signal in new[] { "kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo" })
        {
            rules.Add(new SyscallRule(Number(signal), SeccompAction.Allow, [self]));
            rules.Add(new SyscallRule(Number(signal), refuse));
        }
        rules.Add(new SyscallRule(Number("clone"), SeccompAction.Allow, [new ArgCondition(0, ArgOp.MaskedEqual, CloneNewFlags, 0)]));
        rules.Add(new SyscallRule(Number("clone"), refuse));
        rules.Add(new SyscallRule(Number("clone3"), SeccompAction.Errno(Errno.ENOSYS)));
        if (socketsAllowed)
        {
            rules.Add(new SyscallRule(Number("socket"), SeccompAction.Allow, [new ArgCondition(0, ArgOp.Equal, AF_INET, LowWordOnly: true)]));
            rules.Add(new SyscallRule(Number("socket"), SeccompAction.Allow, [new ArgCondition(0, ArgOp.Equal, AF_INET6, LowWordOnly: true)]));
        }
        rules.Add(new SyscallRule(Number("socket"), SeccompAction.Errno(Errno.EACCES)));
        return new SeccompFilter(SeccompAction.Allow, rules);
    }

    /// <summary>
    /// Translates an OCI profile as runc does: names this ABI does not have are skipped, several conditions on
    /// different arguments must all hold, several on the same argument are alternatives. Another ABI is left
    /// to the built-in filter.
    /// </summary>
    public static (SeccompFilter Filter, uint Flags) FromProfile(LinuxSeccomp profile)
    {
        if (!string.IsNullOrEmpty(profile.ListenerPath) || profile.DefaultAction == "SCMP_ACT_NOTIFY")
        {
            throw new InvalidDataException("linux.seccomp asks for a user-space notifier (SCMP_ACT_NOTIFY / listenerPath), which io.containerd.wasm.v1 does not support; use a profile without it");
        }
        if (profile.Architectures is { Count: > 0 } arches && !arches.Contains("SCMP_ARCH_X86_64"))
        {
            throw new InvalidDataException($"linux.seccomp covers {string.Join(", ", arches)} but not SCMP_ARCH_X86_64, the ABI the cell runs; add it to the profile");
        }
        var flags = 0u;
        foreach (var flag in profile.Flags ?? [])
        {
            flags |= flag switch
            {
                "SECCOMP_FILTER_FLAG_TSYNC" => SeccompFilter.FlagSynchronizeThreads,
                "SECCOMP_FILTER_FLAG_LOG" => SeccompFilter.FlagLog,
                "SECCOMP_FILTER_FLAG_SPEC_ALLOW" => SeccompFilter.FlagSpecAllow,
                _ => throw new InvalidDataException($"linux.seccomp.flags: unknown flag {flag}"),
            };
        }
        var rules = new List<SyscallRule>();
        foreach (var entry in profile.Syscalls ?? [])
        {
            var action = Action(entry.Action, entry.ErrnoRet ?? profile.DefaultErrnoRet);
            var conditions = new List<ArgCondition>();
            var indexes = new HashSet<int>();
            foreach (var arg in entry.Args ?? [])
            {
                var condition = Condition(arg);
                conditions.Add(condition);
                indexes.Add(condition.Index);
            }
            List<IReadOnlyList<ArgCondition>> alternatives = [conditions];
            if (indexes.Count < conditions.Count)
            {
                alternatives = [];
                foreach (var condition in conditions)
                {
                    alternatives.Add([condition]);
                }
            }
            foreach (var name in entry.Names ?? [])
            {
                if (!SyscallTableX64.Numbers.TryGetValue(name, out var number))
                {
                    continue;
                }
                foreach (var alternative in alternatives)
                {
                    rules.Add(new SyscallRule(number, action, alternative));
                }
            }
        }
        return (new SeccompFilter(Action(profile.DefaultAction, profile.DefaultErrnoRet), rules, foreignAbiAction: SeccompAction.Allow), flags);
    }

    private static uint Action(string name, uint? errnoRet) => name switch
    {
        "SCMP_ACT_ALLOW" => SeccompAction.Allow,
        "SCMP_ACT_ERRNO" => SeccompAction.Errno(errnoRet ?? (uint)Errno.EPERM),
        "SCMP_ACT_KILL" or "SCMP_ACT_KILL_THREAD" => SeccompAction.KillThread,
        "SCMP_ACT_KILL_PROCESS" => SeccompAction.KillProcess,
        "SCMP_ACT_TRAP" => SeccompAction.Trap,
        "SCMP_ACT_TRACE" => SeccompAction.Trace | ((errnoRet ?? (uint)Errno.EPERM) & 0xffff),
        "SCMP_ACT_LOG" => SeccompAction.Log,
        _ => throw new InvalidDataException($"linux.seccomp: unknown action {(name.Length == 0 ? "(none)" : name)}"),
    };

    private static ArgCondition Condition(LinuxSeccompArg arg)
    {
        if (arg.Index > 5)
        {
            throw new InvalidDataException($"linux.seccomp: argument index {arg.Index} is not 0-5");
        }
        var op = arg.Op switch
        {
            "SCMP_CMP_EQ" => ArgOp.Equal,
            "SCMP_CMP_NE" => ArgOp.NotEqual,
            "SCMP_CMP_LT" => ArgOp.Less,
            "SCMP_CMP_LE" => ArgOp.LessOrEqual,
            "SCMP_CMP_GT" => ArgOp.Greater,
            "SCMP_CMP_GE" => ArgOp.GreaterOrEqual,
            "SCMP_CMP_MASKED_EQ" => ArgOp.MaskedEqual,
            _ => throw new InvalidDataException($"linux.seccomp: unknown comparison {arg.Op}"),
        };
        return new ArgCondition((int)arg.Index, op, arg.Value, arg.ValueTwo);
    }

    private static int Number(string name) =>
        SyscallTableX64.Numbers.TryGetValue(name, out var n) ? n : throw new InvalidOperationException($"no x86-64 system call {name}");
}
