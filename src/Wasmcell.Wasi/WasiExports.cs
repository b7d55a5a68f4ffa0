using Wasmcell.Wasi.Abi;
using Wasmcell.Wasi.Groups;
using Wasmcell.Wasi.Sys;
using Wasmtime;
using Path = Wasmcell.Wasi.Groups.Path;
using Random = Wasmcell.Wasi.Groups.Random;

namespace Wasmcell.Wasi;

/// <summary>
/// Registers the functions of wasi_snapshot_preview1 and wasi_unstable that the module imports,
/// listed in the order of the spec (legacy/preview1 docs.md), as typed callbacks with int/long
/// parameters only (no tuple results: those break under NativeAOT). A guest pointer outside
/// memory is EFAULT; the WasmEdge extension follows the preview1 functions.
/// </summary>
internal sealed class WasiExports
{
    private readonly WasiHost _host;

    private WasiExports(WasiHost host) => _host = host;

    public static void Define(WasiHost host, Linker linker, Module module)
    {
        var exports = new WasiExports(host);
        exports.DefineModule(linker, "wasi_snapshot_preview1", AbiVersion.Preview1, module);
        exports.DefineModule(linker, "wasi_unstable", AbiVersion.Unstable, module);
    }

    private void Enter(Caller c, AbiVersion abi)
    {
        _host.Memory.Bind(c);
        _host.Abi = abi;
    }

    /// <summary>Parameter count of `module`'s import `name` from `from`, or -1.</summary>
    private static int ImportArity(Module module, string from, string name)
    {
        foreach (var import in module.Imports)
            if (import is FunctionImport f && f.ModuleName == from && f.Name == name) return f.Parameters.Count;
        return -1;
    }

    private void DefineModule(Linker linker, string module, AbiVersion abi, Module guest)
    {
        // Only what the module imports: every DefineFunction creates a native callback for this
        // store, and a typical module imports a dozen of the ~50 functions.
        var wanted = guest.Imports.OfType<FunctionImport>().Where(i => i.ModuleName == module).Select(i => i.Name).ToHashSet();
        if (wanted.Count == 0) return;
        if (wanted.Contains("args_get")) linker.DefineFunction(module, "args_get", (Caller c, int a0, int a1) =>
        { Enter(c, abi); try { return (int)(Args.ArgsGet(_host, a0, a1)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("args_sizes_get")) linker.DefineFunction(module, "args_sizes_get", (Caller c, int a0, int a1) =>
        { Enter(c, abi); try { return (int)(Args.ArgsSizesGet(_host, a0, a1)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("environ_get")) linker.DefineFunction(module, "environ_get", (Caller c, int a0, int a1) =>
        { Enter(c, abi); try { return (int)(Args.EnvironGet(_host, a0, a1)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("environ_sizes_get")) linker.DefineFunction(module, "environ_sizes_get", (Caller c, int a0, int a1) =>
        { Enter(c, abi); try { return (int)(Args.EnvironSizesGet(_host, a0, a1)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("clock_res_get")) linker.DefineFunction(module, "clock_res_get", (Caller c, int a0, int a1) =>
        { Enter(c, abi); try { return (int)(Clock.ClockResGet(_host, a0, a1)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("clock_time_get")) linker.DefineFunction(module, "clock_time_get", (Caller c, int a0, long a1, int a2) =>
        { Enter(c, abi); try { return (int)(Clock.ClockTimeGet(_host, a0, a1, a2)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("fd_advise")) linker.DefineFunction(module, "fd_advise", (Caller c, int a0, long a1, long a2, int a3) =>
        { Enter(c, abi); try { return (int)(Fd.FdAdvise(_host, a0, a1, a2, a3)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("fd_allocate")) linker.DefineFunction(module, "fd_allocate", (Caller c, int a0, long a1, long a2) =>
        { Enter(c, abi); try { return (int)(Fd.FdAllocate(_host, a0, a1, a2)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("fd_close")) linker.DefineFunction(module, "fd_close", (Caller c, int a0) =>
        { Enter(c, abi); try { return (int)(Fd.FdClose(_host, a0)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("fd_datasync")) linker.DefineFunction(module, "fd_datasync", (Caller c, int a0) =>
        { Enter(c, abi); try { return (int)(Fd.FdDatasync(_host, a0)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("fd_fdstat_get")) linker.DefineFunction(module, "fd_fdstat_get", (Caller c, int a0, int a1) =>
        { Enter(c, abi); try { return (int)(Fd.FdFdstatGet(_host, a0, a1)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("fd_fdstat_set_flags")) linker.DefineFunction(module, "fd_fdstat_set_flags", (Caller c, int a0, int a1) =>
        { Enter(c, abi); try { return (int)(Fd.FdFdstatSetFlags(_host, a0, a1)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("fd_fdstat_set_rights")) linker.DefineFunction(module, "fd_fdstat_set_rights", (Caller c, int a0, long a1, long a2) =>
        { Enter(c, abi); try { return (int)(Fd.FdFdstatSetRights(_host, a0, a1, a2)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("fd_filestat_get")) linker.DefineFunction(module, "fd_filestat_get", (Caller c, int a0, int a1) =>
        { Enter(c, abi); try { return (int)(Fd.FdFilestatGet(_host, a0, a1)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("fd_filestat_set_size")) linker.DefineFunction(module, "fd_filestat_set_size", (Caller c, int a0, long a1) =>
        { Enter(c, abi); try { return (int)(Fd.FdFilestatSetSize(_host, a0, a1)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("fd_filestat_set_times")) linker.DefineFunction(module, "fd_filestat_set_times", (Caller c, int a0, long a1, long a2, int a3) =>
        { Enter(c, abi); try { return (int)(Fd.FdFilestatSetTimes(_host, a0, a1, a2, a3)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("fd_pread")) linker.DefineFunction(module, "fd_pread", (Caller c, int a0, int a1, int a2, long a3, int a4) =>
        { Enter(c, abi); try { return (int)(Fd.FdPread(_host, a0, a1, a2, a3, a4)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("fd_prestat_get")) linker.DefineFunction(module, "fd_prestat_get", (Caller c, int a0, int a1) =>
        { Enter(c, abi); try { return (int)(Fd.FdPrestatGet(_host, a0, a1)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("fd_prestat_dir_name")) linker.DefineFunction(module, "fd_prestat_dir_name", (Caller c, int a0, int a1, int a2) =>
        { Enter(c, abi); try { return (int)(Fd.FdPrestatDirName(_host, a0, a1, a2)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("fd_pwrite")) linker.DefineFunction(module, "fd_pwrite", (Caller c, int a0, int a1, int a2, long a3, int a4) =>
        { Enter(c, abi); try { return (int)(Fd.FdPwrite(_host, a0, a1, a2, a3, a4)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("fd_read")) linker.DefineFunction(module, "fd_read", (Caller c, int a0, int a1, int a2, int a3) =>
        { Enter(c, abi); try { return (int)(Fd.FdRead(_host, a0, a1, a2, a3)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("fd_readdir")) linker.DefineFunction(module, "fd_readdir", (Caller c, int a0, int a1, int a2, long a3, int a4) =>
        { Enter(c, abi); try { return (int)(Fd.FdReaddir(_host, a0, a1, a2, a3, a4)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("fd_renumber")) linker.DefineFunction(module, "fd_renumber", (Caller c, int a0, int a1) =>
        { Enter(c, abi); try { return (int)(Fd.FdRenumber(_host, a0, a1)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("fd_seek")) linker.DefineFunction(module, "fd_seek", (Caller c, int a0, long a1, int a2, int a3) =>
        { Enter(c, abi); try { return (int)(Fd.FdSeek(_host, a0, a1, a2, a3)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("fd_sync")) linker.DefineFunction(module, "fd_sync", (Caller c, int a0) =>
        { Enter(c, abi); try { return (int)(Fd.FdSync(_host, a0)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("fd_tell")) linker.DefineFunction(module, "fd_tell", (Caller c, int a0, int a1) =>
        { Enter(c, abi); try { return (int)(Fd.FdTell(_host, a0, a1)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("fd_write")) linker.DefineFunction(module, "fd_write", (Caller c, int a0, int a1, int a2, int a3) =>
        { Enter(c, abi); try { return (int)(Fd.FdWrite(_host, a0, a1, a2, a3)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("path_create_directory")) linker.DefineFunction(module, "path_create_directory", (Caller c, int a0, int a1, int a2) =>
        { Enter(c, abi); try { return (int)(Path.PathCreateDirectory(_host, a0, a1, a2)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("path_filestat_get")) linker.DefineFunction(module, "path_filestat_get", (Caller c, int a0, int a1, int a2, int a3, int a4) =>
        { Enter(c, abi); try { return (int)(Path.PathFilestatGet(_host, a0, a1, a2, a3, a4)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("path_filestat_set_times")) linker.DefineFunction(module, "path_filestat_set_times", (Caller c, int a0, int a1, int a2, int a3, long a4, long a5, int a6) =>
        { Enter(c, abi); try { return (int)(Path.PathFilestatSetTimes(_host, a0, a1, a2, a3, a4, a5, a6)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("path_link")) linker.DefineFunction(module, "path_link", (Caller c, int a0, int a1, int a2, int a3, int a4, int a5, int a6) =>
        { Enter(c, abi); try { return (int)(Path.PathLink(_host, a0, a1, a2, a3, a4, a5, a6)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("path_open")) linker.DefineFunction(module, "path_open", (Caller c, int a0, int a1, int a2, int a3, int a4, long a5, long a6, int a7, int a8) =>
        { Enter(c, abi); try { return (int)(Path.PathOpen(_host, a0, a1, a2, a3, a4, a5, a6, a7, a8)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("path_readlink")) linker.DefineFunction(module, "path_readlink", (Caller c, int a0, int a1, int a2, int a3, int a4, int a5) =>
        { Enter(c, abi); try { return (int)(Path.PathReadlink(_host, a0, a1, a2, a3, a4, a5)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("path_remove_directory")) linker.DefineFunction(module, "path_remove_directory", (Caller c, int a0, int a1, int a2) =>
        { Enter(c, abi); try { return (int)(Path.PathRemoveDirectory(_host, a0, a1, a2)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("path_rename")) linker.DefineFunction(module, "path_rename", (Caller c, int a0, int a1, int a2, int a3, int a4, int a5) =>
        { Enter(c, abi); try { return (int)(Path.PathRename(_host, a0, a1, a2, a3, a4, a5)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("path_symlink")) linker.DefineFunction(module, "path_symlink", (Caller c, int a0, int a1, int a2, int a3, int a4) =>
        { Enter(c, abi); try { return (int)(Path.PathSymlink(_host, a0, a1, a2, a3, a4)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("path_unlink_file")) linker.DefineFunction(module, "path_unlink_file", (Caller c, int a0, int a1, int a2) =>
        { Enter(c, abi); try { return (int)(Path.PathUnlinkFile(_host, a0, a1, a2)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("poll_oneoff")) linker.DefineFunction(module, "poll_oneoff", (Caller c, int a0, int a1, int a2, int a3) =>
        { Enter(c, abi); try { return (int)(Poll.PollOneoff(_host, a0, a1, a2, a3)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("proc_exit")) linker.DefineFunction(module, "proc_exit", (Caller c, int a0) => { Enter(c, abi); Proc.ProcExit(_host, a0); });
        if (wanted.Contains("proc_raise")) linker.DefineFunction(module, "proc_raise", (Caller c, int a0) =>
        { Enter(c, abi); try { return (int)(Proc.ProcRaise(_host, a0)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("sched_yield")) linker.DefineFunction(module, "sched_yield", (Caller c) =>
        { Enter(c, abi); try { return (int)(Proc.SchedYield(_host)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("random_get")) linker.DefineFunction(module, "random_get", (Caller c, int a0, int a1) =>
        { Enter(c, abi); try { return (int)(Random.RandomGet(_host, a0, a1)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("sock_recv")) linker.DefineFunction(module, "sock_recv", (Caller c, int a0, int a1, int a2, int a3, int a4, int a5) =>
        { Enter(c, abi); try { return (int)(Sock.SockRecv(_host, a0, a1, a2, a3, a4, a5)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("sock_send")) linker.DefineFunction(module, "sock_send", (Caller c, int a0, int a1, int a2, int a3, int a4) =>
        { Enter(c, abi); try { return (int)(Sock.SockSend(_host, a0, a1, a2, a3, a4)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (wanted.Contains("sock_shutdown")) linker.DefineFunction(module, "sock_shutdown", (Caller c, int a0, int a1) =>
        { Enter(c, abi); try { return (int)(Sock.SockShutdown(_host, a0, a1)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });

        // sock_accept: preview1 has (fd, flags, *new_fd); WasmEdge has (fd, *new_fd).
        if (ImportArity(guest, module, "sock_accept") == 2)
            linker.DefineFunction(module, "sock_accept", (Caller c, int a0, int a1) =>
        { Enter(c, abi); try { return (int)(_host.AllowSocketExtension ? Sock.SockAcceptWasmEdge(_host, a0, a1) : Errno.NotCapable); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        else
            linker.DefineFunction(module, "sock_accept", (Caller c, int a0, int a1, int a2) =>
        { Enter(c, abi); try { return (int)(Sock.SockAccept(_host, a0, a1, a2)); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });

        // The WasmEdge socket extension, linked only for modules that import it.
        if (abi != AbiVersion.Preview1) return;
        if (ImportArity(guest, module, "sock_open") >= 0)
            linker.DefineFunction(module, "sock_open", (Caller c, int a0, int a1, int a2) =>
        { Enter(c, abi); try { return (int)(_host.AllowSocketExtension ? Sock.SockOpen(_host, a0, a1, a2) : Errno.NotCapable); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (ImportArity(guest, module, "sock_bind") >= 0)
            linker.DefineFunction(module, "sock_bind", (Caller c, int a0, int a1, int a2) =>
        { Enter(c, abi); try { return (int)(_host.AllowSocketExtension ? Sock.SockBind(_host, a0, a1, a2) : Errno.NotCapable); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (ImportArity(guest, module, "sock_listen") >= 0)
            linker.DefineFunction(module, "sock_listen", (Caller c, int a0, int a1) =>
        { Enter(c, abi); try { return (int)(_host.AllowSocketExtension ? Sock.SockListen(_host, a0, a1) : Errno.NotCapable); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (ImportArity(guest, module, "sock_connect") >= 0)
            linker.DefineFunction(module, "sock_connect", (Caller c, int a0, int a1, int a2) =>
        { Enter(c, abi); try { return (int)(_host.AllowSocketExtension ? Sock.SockConnect(_host, a0, a1, a2) : Errno.NotCapable); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (ImportArity(guest, module, "sock_recv_from") >= 0)
            linker.DefineFunction(module, "sock_recv_from", (Caller c, int a0, int a1, int a2, int a3, int a4, int a5, int a6) =>
        { Enter(c, abi); try { return (int)(_host.AllowSocketExtension ? Sock.SockRecvFrom(_host, a0, a1, a2, a3, a4, a5, a6) : Errno.NotCapable); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (ImportArity(guest, module, "sock_send_to") >= 0)
            linker.DefineFunction(module, "sock_send_to", (Caller c, int a0, int a1, int a2, int a3, int a4, int a5, int a6) =>
        { Enter(c, abi); try { return (int)(_host.AllowSocketExtension ? Sock.SockSendTo(_host, a0, a1, a2, a3, a4, a5, a6) : Errno.NotCapable); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (ImportArity(guest, module, "sock_getaddrinfo") >= 0)
            linker.DefineFunction(module, "sock_getaddrinfo", (Caller c, int a0, int a1, int a2, int a3, int a4, int a5, int a6, int a7) =>
        { Enter(c, abi); try { return (int)(_host.AllowSocketExtension ? Sock.SockGetaddrinfo(_host, a0, a1, a2, a3, a4, a5, a6, a7) : Errno.NotCapable); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (ImportArity(guest, module, "sock_setsockopt") >= 0)
            linker.DefineFunction(module, "sock_setsockopt", (Caller c, int a0, int a1, int a2, int a3, int a4) =>
        { Enter(c, abi); try { return (int)(_host.AllowSocketExtension ? Sock.SockSetsockopt(_host, a0, a1, a2, a3, a4) : Errno.NotCapable); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        if (ImportArity(guest, module, "sock_getsockopt") >= 0)
            linker.DefineFunction(module, "sock_getsockopt", (Caller c, int a0, int a1, int a2, int a3, int a4) =>
        { Enter(c, abi); try { return (int)(_host.AllowSocketExtension ? Sock.SockGetsockopt(_host, a0, a1, a2, a3, a4) : Errno.NotCapable); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        // Older crates pass (fd, *addr, *addr_type, *port); newer ones (fd, *addr, *port) with the family in addr.
        if (ImportArity(guest, module, "sock_getlocaladdr") == 4)
            linker.DefineFunction(module, "sock_getlocaladdr", (Caller c, int a0, int a1, int a2, int a3) =>
            { Enter(c, abi); try { return (int)(_host.AllowSocketExtension ? Sock.SockGetlocaladdr(_host, a0, a1, a2, a3) : Errno.NotCapable); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        else if (ImportArity(guest, module, "sock_getlocaladdr") == 3)
            linker.DefineFunction(module, "sock_getlocaladdr", (Caller c, int a0, int a1, int a2) =>
            { Enter(c, abi); try { return (int)(_host.AllowSocketExtension ? Sock.SockGetlocaladdr(_host, a0, a1, 0, a2) : Errno.NotCapable); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        // Older crates pass (fd, *addr, *addr_type, *port); newer ones (fd, *addr, *port) with the family in addr.
        if (ImportArity(guest, module, "sock_getpeeraddr") == 4)
            linker.DefineFunction(module, "sock_getpeeraddr", (Caller c, int a0, int a1, int a2, int a3) =>
            { Enter(c, abi); try { return (int)(_host.AllowSocketExtension ? Sock.SockGetpeeraddr(_host, a0, a1, a2, a3) : Errno.NotCapable); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
        else if (ImportArity(guest, module, "sock_getpeeraddr") == 3)
            linker.DefineFunction(module, "sock_getpeeraddr", (Caller c, int a0, int a1, int a2) =>
            { Enter(c, abi); try { return (int)(_host.AllowSocketExtension ? Sock.SockGetpeeraddr(_host, a0, a1, 0, a2) : Errno.NotCapable); } catch (GuestMemoryFault) { return (int)Errno.Fault; } });
    }
}
