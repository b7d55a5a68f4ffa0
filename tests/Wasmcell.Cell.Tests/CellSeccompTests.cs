using Wasmcell.Cell.Tests.Infrastructure;
using Wasmcell.Linux;
using Wasmcell.Linux.Seccomp;
using Wasmcell.Oci.RuntimeSpec;

namespace Wasmcell.Cell.Tests;

public sealed class CellSeccompTests
{
    private const int Pid = 4242;
    private static readonly uint Eperm = SeccompAction.Errno(Errno.EPERM);
    private static readonly uint Eacces = SeccompAction.Errno(Errno.EACCES);

    // What glibc's pthread_create passes to clone (CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|
    // PARENT_SETTID|CHILD_CLEARTID).
    private const ulong ThreadFlags = 0x003d0f00;
    private const ulong CloneNewNet = 0x40000000, CloneNewUser = 0x10000000, CloneNewNs = 0x00020000;

    private static uint BuiltIn(SeccompData call, bool sockets = false) =>
        BpfInterpreter.Run(CellSeccomp.BuiltIn(Pid, sockets).Compile(), call);

    [Theory]
    [InlineData("ptrace")]
    [InlineData("process_vm_readv")]
    [InlineData("mount")]
    [InlineData("unshare")]
    [InlineData("setns")]
    [InlineData("pivot_root")]
    [InlineData("bpf")]
    [InlineData("keyctl")]
    [InlineData("init_module")]
    [InlineData("io_uring_setup")]
    [InlineData("io_uring_enter")]
    [InlineData("pidfd_send_signal")]
    public void Calls_that_reach_past_the_container_are_refused(string name)
    {
        Assert.Equal(Eperm, BuiltIn(SeccompData.Call(name)));
    }

    // Calls the deny-list this filter replaced let through: only an allow-list refuses them.
    [Theory]
    [InlineData("execve")]
    [InlineData("execveat")]
    [InlineData("fork")]
    [InlineData("vfork")]
    [InlineData("personality")]
    [InlineData("setpriority")]
    [InlineData("sched_setaffinity")]
    [InlineData("mknodat")]
    [InlineData("fchmodat")]
    [InlineData("fchownat")]
    [InlineData("setuid")]
    [InlineData("shmget")]
    [InlineData("msgget")]
    [InlineData("socketpair")]
    [InlineData("vmsplice")]
    [InlineData("sysfs")]
    [InlineData("uselib")]
    [InlineData("inotify_init1")]
    [InlineData("setxattr")]
    [InlineData("pidfd_open")]
    [InlineData("set_mempolicy_home_node")] // the highest number the table knows: still EPERM, not ENOSYS
    public void Calls_a_cell_never_makes_are_refused(string name)
    {
        Assert.Equal(Eperm, BuiltIn(SeccompData.Call(name, 1, 2, 3), sockets: true));
    }

    // What real cells called after the filter went on (docs/seccomp-allow-list.md): hello, stdio, traps, SIGTERM,
    // memory growth, listeners, the WasmEdge socket extension, the wasi-testsuite.
    [Theory]
    [InlineData("accept4")]
    [InlineData("bind")]
    [InlineData("close")]
    [InlineData("connect")]
    [InlineData("dup2")]
    [InlineData("epoll_wait")]
    [InlineData("eventfd2")]
    [InlineData("exit")]
    [InlineData("exit_group")]
    [InlineData("fcntl")]
    [InlineData("futex")]
    [InlineData("getdents64")]
    [InlineData("getpeername")]
    [InlineData("getpid")]
    [InlineData("getrandom")]
    [InlineData("getsockname")]
    [InlineData("getsockopt")]
    [InlineData("gettid")]
    [InlineData("listen")]
    [InlineData("lseek")]
    [InlineData("madvise")]
    [InlineData("memfd_create")]
    [InlineData("mkdirat")]
    [InlineData("mmap")]
    [InlineData("mprotect")]
    [InlineData("mremap")]
    [InlineData("munmap")]
    [InlineData("newfstatat")]
    [InlineData("openat")]
    [InlineData("openat2")]
    [InlineData("pipe2")]
    [InlineData("ppoll")]
    [InlineData("preadv")]
    [InlineData("read")]
    [InlineData("readv")]
    [InlineData("recvmsg")]
    [InlineData("rseq")]
    [InlineData("rt_sigaction")]
    [InlineData("rt_sigprocmask")]
    [InlineData("rt_sigreturn")]
    [InlineData("sched_getaffinity")]
    [InlineData("sched_yield")]
    [InlineData("seccomp")]
    [InlineData("sendmsg")]
    [InlineData("set_robust_list")]
    [InlineData("setsockopt")]
    [InlineData("shutdown")]
    [InlineData("sigaltstack")]
    [InlineData("statx")]
    [InlineData("symlinkat")]
    [InlineData("uname")]
    [InlineData("write")]
    [InlineData("writev")]
    public void Every_call_a_measured_cell_made_is_allowed(string name)
    {
        Assert.Equal(SeccompAction.Allow, BuiltIn(SeccompData.Call(name, 1, 2, 3)));
    }

    [Theory]
    [InlineData("unlinkat")]
    [InlineData("renameat2")]
    [InlineData("linkat")]
    [InlineData("readlinkat")]
    [InlineData("utimensat")]
    [InlineData("ftruncate")]
    [InlineData("fallocate")]
    [InlineData("fdatasync")]
    [InlineData("clock_nanosleep")]
    [InlineData("membarrier")]
    [InlineData("restart_syscall")]
    public void Calls_the_wasi_host_or_runtime_make_on_paths_not_measured_are_allowed(string name)
    {
        Assert.Equal(SeccompAction.Allow, BuiltIn(SeccompData.Call(name, 1, 2, 3)));
    }

    [Fact]
    public void A_call_newer_than_the_table_fails_as_on_an_older_kernel()
    {
        var enosys = SeccompAction.Errno(Errno.ENOSYS);
        // fchmodat2 (452; glibc falls back to fchmodat), futex_wait (455), mseal (462), and beyond.
        foreach (var number in new[] { SyscallTableX64.HighestNumber + 1, 452, 455, 462, 0x3fffffff })
        {
            Assert.Equal(enosys, BuiltIn(new SeccompData(number, SeccompData.X64)));
        }
    }

    [Fact]
    public void Ioctl_is_limited_to_the_requests_a_cell_makes()
    {
        Assert.Equal(SeccompAction.Allow, BuiltIn(SeccompData.Call("ioctl", 0, 0x5401 /* TCGETS */, 0)));
        Assert.Equal(SeccompAction.Allow, BuiltIn(SeccompData.Call("ioctl", 5, 0x541B /* FIONREAD */, 0)));
        // The kernel reads the request as 32 bits: the upper half changes nothing either way.
        Assert.Equal(SeccompAction.Allow, BuiltIn(SeccompData.Call("ioctl", 0, 0xffffffff_00005401, 0)));
        Assert.Equal(Eperm, BuiltIn(SeccompData.Call("ioctl", 0, 0x5412 /* TIOCSTI */, 0)));
        Assert.Equal(Eperm, BuiltIn(SeccompData.Call("ioctl", 0, 0x1_00005412, 0)));
        Assert.Equal(Eperm, BuiltIn(SeccompData.Call("ioctl", 3, 0x8914 /* SIOCSIFFLAGS */, 0)));
    }

    [Fact]
    public void Prctl_only_names_threads()
    {
        Assert.Equal(SeccompAction.Allow, BuiltIn(SeccompData.Call("prctl", 15 /* PR_SET_NAME */, 0x1000)));
        Assert.Equal(SeccompAction.Allow, BuiltIn(SeccompData.Call("prctl", 16 /* PR_GET_NAME */, 0x1000)));
        Assert.Equal(Eperm, BuiltIn(SeccompData.Call("prctl", 4 /* PR_SET_DUMPABLE */, 1)));
        Assert.Equal(Eperm, BuiltIn(SeccompData.Call("prctl", 0x59616d61 /* PR_SET_PTRACER */, unchecked((ulong)-1))));
        Assert.Equal(Eperm, BuiltIn(SeccompData.Call("prctl", 35 /* PR_SET_MM */, 1)));
    }

    [Fact]
    public void Resource_limits_are_read_or_set_only_on_the_cell_itself()
    {
        Assert.Equal(SeccompAction.Allow, BuiltIn(SeccompData.Call("prlimit64", 0, 7, 0, 0x1000)));
        Assert.Equal(SeccompAction.Allow, BuiltIn(SeccompData.Call("prlimit64", Pid, 7, 0, 0x1000)));
        Assert.Equal(Eperm, BuiltIn(SeccompData.Call("prlimit64", 1, 7, 0x1000, 0)));
        Assert.Equal(Eperm, BuiltIn(SeccompData.Call("setrlimit", 7, 0x1000)));
    }

    [Fact]
    public void Signals_reach_only_the_cell_itself()
    {
        Assert.Equal(SeccompAction.Allow, BuiltIn(SeccompData.Call("kill", Pid, 15)));
        Assert.Equal(SeccompAction.Allow, BuiltIn(SeccompData.Call("tgkill", Pid, Pid + 3, 35)));
        // An int argument's upper register half is not part of the value.
        Assert.Equal(SeccompAction.Allow, BuiltIn(SeccompData.Call("kill", 0xffffffff_00000000 | Pid, 15)));
        Assert.Equal(Eperm, BuiltIn(SeccompData.Call("kill", 1, 9)));
        Assert.Equal(Eperm, BuiltIn(SeccompData.Call("kill", 0, 9)));
        Assert.Equal(Eperm, BuiltIn(SeccompData.Call("kill", unchecked((ulong)-1), 9)));
        Assert.Equal(Eperm, BuiltIn(SeccompData.Call("tgkill", Pid + 1, Pid + 1, 9)));
        Assert.Equal(Eperm, BuiltIn(SeccompData.Call("rt_sigqueueinfo", 1, 9, 0)));
        Assert.Equal(Eperm, BuiltIn(SeccompData.Call("tkill", Pid, 9)));
    }

    [Fact]
    public void Threads_may_be_created_but_no_namespace()
    {
        Assert.Equal(SeccompAction.Allow, BuiltIn(SeccompData.Call("clone", ThreadFlags)));
        Assert.Equal(SeccompAction.Allow, BuiltIn(SeccompData.Call("clone", 17 /* SIGCHLD: fork */)));
        Assert.Equal(Eperm, BuiltIn(SeccompData.Call("clone", ThreadFlags | CloneNewNet)));
        Assert.Equal(Eperm, BuiltIn(SeccompData.Call("clone", CloneNewUser | CloneNewNs | 17)));
        Assert.Equal(SeccompAction.Errno(Errno.ENOSYS), BuiltIn(SeccompData.Call("clone3", 0x7fff0000, 88)));
    }

    [Theory]
    [InlineData(false, 2ul, false)]
    [InlineData(false, 10ul, false)]
    [InlineData(true, 2ul, true)]
    [InlineData(true, 10ul, true)]
    [InlineData(true, 1ul, false)]   // AF_UNIX: containerd's and the shim's sockets
    [InlineData(true, 16ul, false)]  // AF_NETLINK
    [InlineData(true, 17ul, false)]  // AF_PACKET
    public void Sockets_are_ip_only_and_only_when_the_container_may_open_them(bool allowed, ulong domain, bool expected)
    {
        Assert.Equal(expected ? SeccompAction.Allow : Eacces, BuiltIn(SeccompData.Call("socket", domain, 1, 0), allowed));
    }

    [Fact]
    public void Another_abi_kills_the_process()
    {
        Assert.Equal(SeccompAction.KillProcess, BuiltIn(new SeccompData(0, SeccompData.I386)));
        Assert.Equal(SeccompAction.KillProcess, BuiltIn(new SeccompData((int)SyscallTableX64.X32Bit | 1, SeccompData.X64)));
    }

    [Fact]
    public void A_profile_denies_by_default_and_allows_what_it_names()
    {
        var profile = new LinuxSeccomp
        {
            DefaultAction = "SCMP_ACT_ERRNO",
            DefaultErrnoRet = 38,
            Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
            Syscalls =
            [
                new LinuxSyscall { Names = ["read", "write", "no_such_call_on_this_abi"], Action = "SCMP_ACT_ALLOW" },
                new LinuxSyscall { Names = ["chmod"], Action = "SCMP_ACT_ERRNO", ErrnoRet = 13 },
                new LinuxSyscall { Names = ["reboot"], Action = "SCMP_ACT_KILL_PROCESS" },
            ],
        };
        var (filter, flags) = CellSeccomp.FromProfile(profile);
        var program = filter.Compile();

        Assert.Equal(0u, flags);
        Assert.Equal(SeccompAction.Allow, BpfInterpreter.Run(program, SeccompData.Call("read")));
        Assert.Equal(SeccompAction.Errno(13u), BpfInterpreter.Run(program, SeccompData.Call("chmod")));
        Assert.Equal(SeccompAction.KillProcess, BpfInterpreter.Run(program, SeccompData.Call("reboot")));
        Assert.Equal(SeccompAction.Errno(38u), BpfInterpreter.Run(program, SeccompData.Call("mkdir")));
        // Another ABI is the built-in filter's to stop.
        Assert.Equal(SeccompAction.Allow, BpfInterpreter.Run(program, new SeccompData(3, SeccompData.I386)));
    }

    [Fact]
    public void Profile_conditions_on_different_arguments_all_hold_on_the_same_argument_any()
    {
        var profile = new LinuxSeccomp
        {
            DefaultAction = "SCMP_ACT_ERRNO",
            Syscalls =
            [
                // containerd's default: clone without namespace flags.
                new LinuxSyscall { Names = ["clone"], Action = "SCMP_ACT_ALLOW", Args = [new() { Index = 0, Value = 2114060288, Op = "SCMP_CMP_MASKED_EQ" }] },
                // personality(PER_LINUX) or personality(0xffffffff).
                new LinuxSyscall
                {
                    Names = ["personality"], Action = "SCMP_ACT_ALLOW",
                    Args = [new() { Index = 0, Value = 0, Op = "SCMP_CMP_EQ" }, new() { Index = 0, Value = 0xffffffff, Op = "SCMP_CMP_EQ" }],
                },
                // fchownat(_, _, uid != 0, gid < 100).
                new LinuxSyscall
                {
                    Names = ["fchownat"], Action = "SCMP_ACT_ALLOW",
                    Args = [new() { Index = 2, Value = 0, Op = "SCMP_CMP_NE" }, new() { Index = 3, Value = 100, Op = "SCMP_CMP_LT" }],
                },
            ],
        };
        var program = CellSeccomp.FromProfile(profile).Filter.Compile();
        uint Run(string name, params ulong[] args) => BpfInterpreter.Run(program, SeccompData.Call(name, args));

        Assert.Equal(SeccompAction.Allow, Run("clone", ThreadFlags));
        Assert.Equal(Eperm, Run("clone", ThreadFlags | CloneNewNet));
        Assert.Equal(SeccompAction.Allow, Run("personality", 0));
        Assert.Equal(SeccompAction.Allow, Run("personality", 0xffffffff));
        Assert.Equal(Eperm, Run("personality", 8));
        Assert.Equal(SeccompAction.Allow, Run("fchownat", 3, 0, 1000, 50));
        Assert.Equal(Eperm, Run("fchownat", 3, 0, 0, 50));
        Assert.Equal(Eperm, Run("fchownat", 3, 0, 1000, 100));
        Assert.Equal(Eperm, Run("fchownat", 3, 0, 0x1_0000_0000, 0x1_0000_0000));
    }

    [Theory]
    [InlineData("SCMP_CMP_EQ", 0x1_0000_0005ul, new ulong[] { 0x1_0000_0005 }, new ulong[] { 5, 0x2_0000_0005 })]
    [InlineData("SCMP_CMP_NE", 0x1_0000_0005ul, new ulong[] { 5, 0x2_0000_0005 }, new ulong[] { 0x1_0000_0005 })]
    [InlineData("SCMP_CMP_GT", 0x1_0000_0005ul, new ulong[] { 0x1_0000_0006, 0x2_0000_0000 }, new ulong[] { 0x1_0000_0005, 0xffff_ffff, 6 })]
    [InlineData("SCMP_CMP_GE", 0x1_0000_0005ul, new ulong[] { 0x1_0000_0005, 0x2_0000_0000 }, new ulong[] { 0x1_0000_0004, 0xffff_ffff })]
    [InlineData("SCMP_CMP_LT", 0x1_0000_0005ul, new ulong[] { 0x1_0000_0004, 0xffff_ffff, 0 }, new ulong[] { 0x1_0000_0005, 0x2_0000_0000 })]
    [InlineData("SCMP_CMP_LE", 0x1_0000_0005ul, new ulong[] { 0x1_0000_0005, 0xffff_ffff }, new ulong[] { 0x1_0000_0006, 0x2_0000_0000 })]
    public void Comparisons_are_unsigned_64_bit(string op, ulong value, ulong[] matching, ulong[] notMatching)
    {
        var profile = new LinuxSeccomp
        {
            DefaultAction = "SCMP_ACT_ERRNO",
            Syscalls = [new LinuxSyscall { Names = ["lseek"], Action = "SCMP_ACT_ALLOW", Args = [new() { Index = 1, Value = value, Op = op }] }],
        };
        var program = CellSeccomp.FromProfile(profile).Filter.Compile();
        foreach (var arg in matching)
        {
            Assert.True(SeccompAction.Allow == BpfInterpreter.Run(program, SeccompData.Call("lseek", 3, arg)), $"{op} {value:x}: {arg:x} should match");
        }
        foreach (var arg in notMatching)
        {
            Assert.True(Eperm == BpfInterpreter.Run(program, SeccompData.Call("lseek", 3, arg)), $"{op} {value:x}: {arg:x} should not match");
        }
    }

    [Theory]
    [InlineData("""{"defaultAction":"SCMP_ACT_NOTIFY"}""", "notifier")]
    [InlineData("""{"defaultAction":"SCMP_ACT_ALLOW","listenerPath":"/run/agent.sock"}""", "notifier")]
    [InlineData("""{"defaultAction":"SCMP_ACT_WHATEVER"}""", "SCMP_ACT_WHATEVER")]
    [InlineData("""{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_AARCH64"]}""", "SCMP_ARCH_X86_64")]
    [InlineData("""{"defaultAction":"SCMP_ACT_ALLOW","flags":["SECCOMP_FILTER_FLAG_NEW"]}""", "SECCOMP_FILTER_FLAG_NEW")]
    [InlineData("""{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_ABOUT"}]}]}""", "SCMP_CMP_ABOUT")]
    [InlineData("""{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}]}""", "index 6")]
    public void A_profile_the_cell_cannot_honour_is_refused_naming_what(string json, string named)
    {
        var spec = SpecReader.Read(System.Text.Encoding.UTF8.GetBytes("""{"linux":{"seccomp":""" + json + "}}"));
        var e = Assert.Throws<InvalidDataException>(() => CellSeccomp.FromProfile(spec.Linux!.Seccomp!));
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Containerds_default_profile_compiles_within_the_kernels_limit()
    {
        // The shape of containerd 1.6's RuntimeDefault: ~300 allowed names, a few with argument rules.
        var names = SyscallTableX64.Numbers.Keys.Order(StringComparer.Ordinal).ToList();
        var profile = new LinuxSeccomp
        {
            DefaultAction = "SCMP_ACT_ERRNO",
            Syscalls =
            [
                new LinuxSyscall { Names = names, Action = "SCMP_ACT_ALLOW" },
                new LinuxSyscall { Names = ["personality"], Action = "SCMP_ACT_ALLOW", Args = [new() { Index = 0, Value = 0, Op = "SCMP_CMP_EQ" }] },
            ],
        };
        var program = CellSeccomp.FromProfile(profile).Filter.Compile();
        Assert.InRange(program.Length, names.Count, 4096);
        // Allowed names share returns in runs the 8-bit jump offsets reach: every one of them still matches.
        Assert.All(names, n => Assert.Equal(SeccompAction.Allow, BpfInterpreter.Run(program, SeccompData.Call(n))));
    }

    [Fact]
    public void A_filter_may_answer_calls_newer_than_the_table_apart_from_its_default()
    {
        var rules = new[] { new SyscallRule(SyscallTableX64.Numbers["read"], SeccompAction.Allow) };
        var enosys = SeccompAction.Errno(Errno.ENOSYS);
        var program = new SeccompFilter(Eperm, rules, newerCallAction: enosys).Compile();
        Assert.Equal(SeccompAction.Allow, BpfInterpreter.Run(program, SeccompData.Call("read")));
        Assert.Equal(Eperm, BpfInterpreter.Run(program, new SeccompData(SyscallTableX64.HighestNumber, SeccompData.X64)));
        Assert.Equal(enosys, BpfInterpreter.Run(program, new SeccompData(SyscallTableX64.HighestNumber + 1, SeccompData.X64)));
        // Without it, the default answers them too.
        var plain = new SeccompFilter(Eperm, rules).Compile();
        Assert.Equal(Eperm, BpfInterpreter.Run(plain, new SeccompData(SyscallTableX64.HighestNumber + 1, SeccompData.X64)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_built_in_filter_costs_about_one_instruction_per_allowed_call(bool sockets)
    {
        // 120 calls allowed outright share returns; argument rules and the ABI checks add about eighty. The
        // kernel runs the filter for every call number when it is installed, so its length is start-up time.
        var program = CellSeccomp.BuiltIn(Pid, sockets).Compile();
        Assert.InRange(program.Length, 120, 220);
    }
}
