using Wasmcell.Linux;
using Wasmcell.Linux.Seccomp;
using Wasmcell.Oci.RuntimeSpec;

namespace Wasmcell.Cell;

/// <summary>
/// The cell's seccomp filters, installed on every thread (TSYNC) once the cell holds everything it needs and
/// before the guest runs: a built-in allow-list, always, of what a running cell calls (the runtime, Wasmtime,
/// the WASI host; measured as docs/seccomp-allow-list.md says), so code that escaped Wasmtime finds everything
/// else refused; and the spec's profile when config.json has one (CRI's RuntimeDefault or Localhost). The
/// kernel answers each call with the stricter of the two.
/// </summary>
public static class CellSeccomp
{
    // Allowed without conditions. Calls with argument rules (signals, clone, socket, ioctl, prctl, prlimit64)
    // are in BuiltIn. Hot calls first: on kernels before 5.11, which lack seccomp's per-call cache, the filter
    // runs for every call and stops at the first match. Not here, so refused: exec, fork, namespaces, mounts,
    // ptrace and other processes' memory, SysV IPC, chmod/chown, device nodes, keyrings, BPF, io_uring (its
    // operations bypass seccomp), scheduling or priority of other processes, personality, xattrs, inotify.
    private static readonly string[] Allowed =
    [
        // The runtime's and Wasmtime's threads, memory, JIT code and the guest's linear memory.
        "futex", "read", "write", "mmap", "mprotect", "munmap", "madvise", "mremap", "brk", "mincore",
        "membarrier", "memfd_create", "set_robust_list", "rseq", "set_tid_address", "arch_prctl", "gettid",
        "getpid", "getppid", "sched_yield", "sched_getaffinity", "getcpu", "futex_waitv", "exit", "exit_group",
        // Signals: Wasmtime's traps (SIGSEGV, SIGILL) and stack switch, the runtime's SIGTERM handling.
        "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "rt_sigpending", "rt_sigsuspend",
        "rt_sigtimedwait", "restart_syscall",
        // Time and randomness (the vDSO answers most clock calls; these are its fall-backs).
        "clock_gettime", "clock_getres", "gettimeofday", "time", "nanosleep", "clock_nanosleep", "getrandom",
        // Files, through descriptors the cell already holds (the WASI host resolves every path with openat2
        // beneath a preopen; legacy path calls glibc may still use are allowed as the *at calls are).
        "openat", "openat2", "close", "close_range", "readv", "writev", "pread64", "pwrite64", "preadv",
        "pwritev", "preadv2", "pwritev2", "lseek", "fcntl", "dup", "dup2", "dup3", "pipe2", "eventfd2",
        "fstat", "newfstatat", "statx", "stat", "lstat", "fstatfs", "getdents64", "mkdirat", "unlinkat",
        "renameat", "renameat2", "linkat", "symlinkat", "readlinkat", "readlink", "faccessat", "faccessat2",
        "access", "utimensat", "ftruncate", "fallocate", "fadvise64", "fsync", "fdatasync", "getcwd",
        // Waiting on descriptors: poll_oneoff, the runtime's socket engine, glibc's resolver.
        "ppoll", "poll", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2",
        // Sockets the cell holds (listeners) or may open (socket itself has a rule).
        "accept4", "accept", "connect", "bind", "listen", "shutdown", "getsockname", "getpeername", "getsockopt",
        "setsockopt", "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg",
        // Asking about itself.
        "uname", "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups", "getrlimit",
        "getrusage", "sysinfo", "times",
        // Only ever adds filters: the spec's profile goes on after this one.
        "seccomp",
    ];

    // Every CLONE_NEW* flag (linux/sched.h): a new thread or process, never a new namespace.
    private const ulong CloneNewFlags = 0x00000080 | 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000
        | 0x20000000 | 0x40000000;

    private const ulong AF_INET = 2, AF_INET6 = 10;

    // ioctl requests a cell makes: isatty (TCGETS), terminal size, bytes readable for poll_oneoff (FIONREAD),
    // non-blocking and close-on-exec flags. Nothing that reaches a device or a terminal's input (TIOCSTI).
    private static readonly ulong[] IoctlRequests = [0x5401 /* TCGETS */, 0x5413 /* TIOCGWINSZ */, 0x541B /* FIONREAD */,
        0x5421 /* FIONBIO */, 0x5450 /* FIONCLEX */, 0x5451 /* FIOCLEX */];

    // prctl: the runtime names its threads; dumpable and no_new_privs were set before the filter went on.
    private const ulong PR_SET_NAME = 15, PR_GET_NAME = 16;

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
    /// Allows <see cref="Allowed"/>, and with conditions: signals to this process only (kill, tgkill,
    /// rt_[tg]sigqueueinfo; tkill names no process, so it is refused); clone without a CLONE_NEW* flag; the
    /// ioctl requests and prctl options a cell uses; prlimit64 on itself; socket() only when the container may
    /// open sockets and then only IPv4 and IPv6 (no unix sockets to containerd, no netlink, no raw packets:
    /// EACCES, as an LSM would answer). clone3 gets ENOSYS (its flags sit in memory seccomp cannot read; glibc
    /// then uses clone). Everything else this ABI has fails with EPERM: a refusal the runtime reports as one.
    /// A call newer than <see cref="SyscallTableX64"/> fails with ENOSYS instead, as on an older kernel, so
    /// glibc and the runtime take their older-kernel path (clone3's fall-back to clone is one) rather than
    /// failing. Another ABI (i386, x32) kills the process.
    /// </summary>
    public static SeccompFilter BuiltIn(int pid, bool socketsAllowed)
    {
        var rules = new List<SyscallRule>();
        foreach (var name in Allowed)
        {
            rules.Add(new SyscallRule(Number(name), SeccompAction.Allow));
        }
        var self = new ArgCondition(0, ArgOp.Equal, (ulong)pid, LowWordOnly: true);
        foreach (var signal in new[] { "kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo" })
        {
            rules.Add(new SyscallRule(Number(signal), SeccompAction.Allow, [self]));
        }
        // pid 0 is the caller too: glibc's getrlimit and setrlimit go through prlimit64(0, ...).
        rules.Add(new SyscallRule(Number("prlimit64"), SeccompAction.Allow, [new ArgCondition(0, ArgOp.Equal, 0, LowWordOnly: true)]));
        rules.Add(new SyscallRule(Number("prlimit64"), SeccompAction.Allow, [self]));
        rules.Add(new SyscallRule(Number("clone"), SeccompAction.Allow, [new ArgCondition(0, ArgOp.MaskedEqual, CloneNewFlags, 0)]));
        rules.Add(new SyscallRule(Number("clone3"), SeccompAction.Errno(Errno.ENOSYS)));
        // The kernel reads an ioctl request and a prctl option as 32-bit values.
        foreach (var request in IoctlRequests)
        {
            rules.Add(new SyscallRule(Number("ioctl"), SeccompAction.Allow, [new ArgCondition(1, ArgOp.Equal, request, LowWordOnly: true)]));
        }
        foreach (var option in new[] { PR_SET_NAME, PR_GET_NAME })
        {
            rules.Add(new SyscallRule(Number("prctl"), SeccompAction.Allow, [new ArgCondition(0, ArgOp.Equal, option, LowWordOnly: true)]));
        }
        if (socketsAllowed)
        {
            rules.Add(new SyscallRule(Number("socket"), SeccompAction.Allow, [new ArgCondition(0, ArgOp.Equal, AF_INET, LowWordOnly: true)]));
            rules.Add(new SyscallRule(Number("socket"), SeccompAction.Allow, [new ArgCondition(0, ArgOp.Equal, AF_INET6, LowWordOnly: true)]));
        }
        rules.Add(new SyscallRule(Number("socket"), SeccompAction.Errno(Errno.EACCES)));
        return new SeccompFilter(SeccompAction.Errno(Errno.EPERM), rules, newerCallAction: SeccompAction.Errno(Errno.ENOSYS));
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
