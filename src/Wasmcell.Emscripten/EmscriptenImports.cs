using Wasmcell.Wasi.Sys;
using Wasmtime;

namespace Wasmcell.Emscripten;

/// <summary>
/// Every `env` import of the supported set (ABI.md §B: 9 globals, 102 functions), defined on the linker as typed
/// callbacks with int parameters only. Syscalls (`___syscallN(which, varargs)`) answer a value ≥ 0 or -errno;
/// the libc-style `_xxx` functions answer -1 or NULL with errno in guest memory. A guest pointer outside memory
/// is EFAULT either way. Modules importing anything else are refused at load (<see cref="EmscriptenModule"/>).
/// </summary>
internal static class EmscriptenImports
{
    /// <summary>The immutable i32 globals of `env` (ABI.md §B.1). tableBase must be 0: function pointers in the data are absolute.</summary>
    public static readonly IReadOnlyDictionary<string, int> Globals = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["memoryBase"] = EmscriptenLayout.GlobalBase,
        ["tableBase"] = 0,
        ["DYNAMICTOP_PTR"] = EmscriptenLayout.DynamicTopPtr,
        ["tempDoublePtr"] = EmscriptenLayout.TempDoublePtr,
        ["ABORT"] = 0,
        ["STACKTOP"] = EmscriptenLayout.StackTop,
        ["STACK_MAX"] = EmscriptenLayout.StackMax,
    };

    /// <summary>Syscall number → implementation; each becomes the import `___syscallN`.</summary>
    private static readonly Dictionary<int, Func<EmscriptenHost, int, int>> Syscalls = new()
    {
        [3] = FileSyscalls.Read,
        [4] = FileSyscalls.Write,
        [5] = FileSyscalls.Open,
        [6] = FileSyscalls.Close,
        [10] = FileSyscalls.Unlink,
        [12] = FileSyscalls.Chdir,
        [15] = FileSyscalls.Chmod,
        [20] = ProcessSyscalls.Getpid,
        [38] = FileSyscalls.Rename,
        [39] = FileSyscalls.Mkdir,
        [54] = FileSyscalls.Ioctl,
        [60] = ProcessSyscalls.Umask,
        [63] = FileSyscalls.Dup2,
        [64] = ProcessSyscalls.Getppid,
        [66] = ProcessSyscalls.NotPermitted,
        [75] = ProcessSyscalls.NotPermitted,
        [85] = FileSyscalls.Readlink,
        [91] = ProcessSyscalls.Munmap,
        [97] = ProcessSyscalls.NotPermitted,
        [102] = SocketSyscalls.Socketcall,
        [122] = ProcessSyscalls.Uname,
        [140] = FileSyscalls.Llseek,
        [142] = WaitSyscalls.Select,
        [145] = FileSyscalls.Readv,
        [146] = FileSyscalls.Writev,
        [168] = WaitSyscalls.Poll,
        [180] = FileSyscalls.Pread,
        [181] = FileSyscalls.Pwrite,
        [191] = ProcessSyscalls.Ugetrlimit,
        [192] = ProcessSyscalls.Mmap2,
        [194] = FileSyscalls.Ftruncate,
        [195] = FileSyscalls.Stat,
        [196] = FileSyscalls.Lstat,
        [197] = FileSyscalls.Fstat,
        [199] = ProcessSyscalls.Getuid,
        [201] = ProcessSyscalls.Getuid,
        [212] = ProcessSyscalls.NotPermitted,
        [220] = FileSyscalls.Getdents,
        [221] = FileSyscalls.Fcntl,
        [268] = ProcessSyscalls.NotImplemented,
        [272] = ProcessSyscalls.Success,
        [295] = FileSyscalls.Openat,
        [300] = FileSyscalls.Fstatat,
        [334] = FileSyscalls.Pwritev,
        [340] = ProcessSyscalls.Prlimit,
    };

    /// <summary>Function name → how it is defined (the non-syscall functions of ABI.md §B.2 and §B.4).</summary>
    private static readonly Dictionary<string, Action<EmscriptenHost, Linker, string>> LibraryFunctions = new(StringComparer.Ordinal)
    {
        // Runtime, memory and abort helpers (§B.2).
        ["enlargeMemory"] = (h, l, n) => l.DefineFunction("env", n, () => 0),
        ["getTotalMemory"] = (h, l, n) => l.DefineFunction("env", n, () => h.MemoryBytes),
        ["abortOnCannotGrowMemory"] = (h, l, n) => l.DefineFunction("env", n, () => Abort<int>("cannot enlarge memory: the module's memory is fixed")),
        ["abortStackOverflow"] = (h, l, n) => l.DefineFunction("env", n, (int size) => { Abort<int>($"stack overflow allocating {size} bytes"); }),
        ["nullFunc_ii"] = NullFunc,
        ["nullFunc_iii"] = NullFunc,
        ["nullFunc_iiii"] = NullFunc,
        ["nullFunc_iiiii"] = NullFunc,
        ["nullFunc_iiiiii"] = NullFunc,
        ["nullFunc_vi"] = NullFunc,
        ["nullFunc_vii"] = NullFunc,
        ["nullFunc_viii"] = NullFunc,
        ["nullFunc_viiii"] = NullFunc,
        ["___buildEnvironment"] = (h, l, n) => l.DefineFunction("env", n, (int environ) => Guard(h, () => LibraryProcess.BuildEnvironment(h, environ))),
        ["___setErrNo"] = (h, l, n) => l.DefineFunction("env", n, (int value) => Guard(h, () => h.SetErrno(value))),
        ["___lock"] = (h, l, n) => l.DefineFunction("env", n, (int _) => { }),
        ["___unlock"] = (h, l, n) => l.DefineFunction("env", n, (int _) => { }),
        ["_emscripten_memcpy_big"] = (h, l, n) => l.DefineFunction("env", n, (int dst, int src, int count) => Call(h, () => LibraryProcess.MemcpyBig(h, dst, src, count))),

        // Process, environment, users, signals (§B.4).
        ["_abort"] = (h, l, n) => l.DefineFunction("env", n, () => { Abort<int>("abort() called"); }),
        ["_exit"] = (h, l, n) => l.DefineFunction("env", n, (int status) => LibraryProcess.Exit(h, status)),
        ["_execve"] = (h, l, n) => l.DefineFunction("env", n, (int a, int b, int c) => h.Fail(LinuxErrno.ENOSYS)),
        ["_fork"] = (h, l, n) => l.DefineFunction("env", n, () => h.Fail(LinuxErrno.EAGAIN)),
        ["_kill"] = (h, l, n) => l.DefineFunction("env", n, (int pid, int sig) => h.Fail(LinuxErrno.EPERM)),
        ["_raise"] = (h, l, n) => l.DefineFunction("env", n, (int sig) => Call(h, () => LibraryProcess.Raise(h, sig))),
        ["_waitpid"] = (h, l, n) => l.DefineFunction("env", n, (int pid, int status, int options) => h.Fail(LinuxErrno.ECHILD)),
        ["_setgroups"] = (h, l, n) => l.DefineFunction("env", n, (int count, int list) => h.Fail(LinuxErrno.EPERM)),
        ["_setitimer"] = (h, l, n) => l.DefineFunction("env", n, (int which, int value, int old) => h.Fail(LinuxErrno.ENOSYS)),
        ["_utimes"] = (h, l, n) => l.DefineFunction("env", n, (int path, int times) => h.Fail(LinuxErrno.ENOSYS)),
        ["_getenv"] = (h, l, n) => l.DefineFunction("env", n, (int name) => Call(h, () => LibraryProcess.Getenv(h, name))),
        ["_getpwnam"] = (h, l, n) => l.DefineFunction("env", n, (int name) => Call(h, () => LibraryProcess.Getpwnam(h, name))),
        ["_getgrnam"] = (h, l, n) => l.DefineFunction("env", n, (int name) => Call(h, () => LibraryProcess.Getgrnam(h, name))),
        ["_getgrent"] = (h, l, n) => l.DefineFunction("env", n, () => 0),
        ["_setgrent"] = (h, l, n) => l.DefineFunction("env", n, () => { }),
        ["_endgrent"] = (h, l, n) => l.DefineFunction("env", n, () => { }),
        ["_getaddrinfo"] = (h, l, n) => l.DefineFunction("env", n, (int node, int service, int hints, int res) => Call(h, () => LibraryNetwork.Getaddrinfo(h, node, service, hints, res))),
        ["_getpagesize"] = (h, l, n) => l.DefineFunction("env", n, () => EmscriptenLayout.PageSize),
        ["_sysconf"] = (h, l, n) => l.DefineFunction("env", n, (int name) => Call(h, () => LibraryProcess.Sysconf(h, name))),
        ["_sched_yield"] = (h, l, n) => l.DefineFunction("env", n, () => 0),
        ["_usleep"] = (h, l, n) => l.DefineFunction("env", n, (int usec) => Call(h, () => LibraryProcess.Usleep(h, usec))),
        ["_llvm_stacksave"] = (h, l, n) => l.DefineFunction("env", n, () => h.Exports.StackSave()),
        ["_llvm_stackrestore"] = (h, l, n) => l.DefineFunction("env", n, (int top) => h.Exports.StackRestore(top)),
        ["_sem_init"] = (h, l, n) => l.DefineFunction("env", n, (int sem, int shared, int value) => 0),
        ["_sem_post"] = (h, l, n) => l.DefineFunction("env", n, (int sem) => 0),
        ["_sem_wait"] = (h, l, n) => l.DefineFunction("env", n, (int sem) => 0),
        ["_sigaction"] = (h, l, n) => l.DefineFunction("env", n, (int sig, int act, int old) => Call(h, () => LibraryProcess.Sigaction(h, sig, act, old))),
        ["_sigemptyset"] = (h, l, n) => l.DefineFunction("env", n, (int set) => Call(h, () => LibraryProcess.Sigemptyset(h, set))),
        ["_sigaddset"] = (h, l, n) => l.DefineFunction("env", n, (int set, int sig) => Call(h, () => LibraryProcess.Sigaddset(h, set, sig))),
        ["_sigprocmask"] = (h, l, n) => l.DefineFunction("env", n, (int how, int set, int old) => Call(h, () => LibraryProcess.Sigprocmask(h, old))),
        ["_sigsuspend"] = (h, l, n) => l.DefineFunction("env", n, (int set) => Call(h, () => LibraryProcess.Sigsuspend(h))),

        // Time (§B.4, §D.2): UTC, the zone of a rootfs without /etc/localtime.
        ["_clock_gettime"] = (h, l, n) => l.DefineFunction("env", n, (int clock, int ts) => Call(h, () => LibraryTime.ClockGettime(h, clock, ts))),
        ["_gettimeofday"] = (h, l, n) => l.DefineFunction("env", n, (int tv, int tz) => Call(h, () => LibraryTime.Gettimeofday(h, tv))),
        ["_time"] = (h, l, n) => l.DefineFunction("env", n, (int t) => Call(h, () => LibraryTime.Time(h, t))),
        ["_localtime"] = (h, l, n) => l.DefineFunction("env", n, (int t) => Call(h, () => LibraryTime.Localtime(h, t))),
        ["_localtime_r"] = (h, l, n) => l.DefineFunction("env", n, (int t, int tm) => Call(h, () => LibraryTime.BrokenDown(h, t, tm))),
        ["_gmtime_r"] = (h, l, n) => l.DefineFunction("env", n, (int t, int tm) => Call(h, () => LibraryTime.BrokenDown(h, t, tm))),
        ["_mktime"] = (h, l, n) => l.DefineFunction("env", n, (int tm) => Call(h, () => LibraryTime.Mktime(h, tm))),
        ["_strftime"] = (h, l, n) => l.DefineFunction("env", n, (int s, int max, int format, int tm) => Call(h, () => LibraryTime.Strftime(h, s, max, format, tm))),
    };

    /// <summary>Names of every function import this host provides.</summary>
    public static readonly IReadOnlySet<string> Functions =
        Syscalls.Keys.Select(SyscallName).Concat(LibraryFunctions.Keys).ToHashSet(StringComparer.Ordinal);

    private static string SyscallName(int number) => "___syscall" + number.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Defines the functions `module` imports from `env` (each definition is a native callback of this store).</summary>
    public static void Define(EmscriptenHost host, Linker linker, Module module)
    {
        var wanted = module.Imports.OfType<FunctionImport>().Where(i => i.ModuleName == "env").Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (number, body) in Syscalls)
        {
            var name = SyscallName(number);
            if (wanted.Contains(name))
            {
                linker.DefineFunction("env", name, (int which, int varargs) => Syscall(host, body, varargs));
            }
        }
        foreach (var (name, define) in LibraryFunctions)
        {
            if (wanted.Contains(name))
            {
                define(host, linker, name);
            }
        }
    }

    private static int Syscall(EmscriptenHost h, Func<EmscriptenHost, int, int> body, int varargs)
    {
        try
        {
            return body(h, varargs);
        }
        catch (GuestMemoryFault)
        {
            return GuestErrno.Negative(LinuxErrno.EFAULT);
        }
    }

    /// <summary>A libc-style call: a bad pointer is -1 (or NULL) with errno EFAULT.</summary>
    private static int Call(EmscriptenHost h, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (GuestMemoryFault)
        {
            return h.Fail(LinuxErrno.EFAULT);
        }
    }

    private static void Guard(EmscriptenHost h, Action body) => Call(h, () => { body(); return 0; });

    // nullFunc_<sig>(k): k names the table block, not the bad pointer (ABI.md §A "Function pointers").
    private static void NullFunc(EmscriptenHost h, Linker l, string name) =>
        l.DefineFunction("env", name, (int block) => { Abort<int>($"call through an empty function-pointer slot ({name["nullFunc_".Length..]}, block {block})"); });

    private static T Abort<T>(string message) => throw new EmscriptenAbortException(message);
}
