using System.Text;
using Microsoft.Win32.SafeHandles;
using Wasmcell.Wasi.Abi;
using Wasmcell.Wasi.Groups;
using Wasmcell.Wasi.Sys;
using Wasmtime;

namespace Wasmcell.Wasi;

/// <summary>
/// The WASI preview1 host of one guest instance: its fd table (stdio, preopens, listeners, and
/// what the guest opens), args, env and stop signal. Define it on a Linker that serves only this
/// store (the functions close over this host), instantiate, run; dispose after the guest is done.
/// </summary>
public sealed unsafe class WasiHost : IDisposable
{
    private int? _exitCode;

    internal FdTable Fds { get; } = new();
    internal GuestMemory Memory { get; } = new();
    internal StopSignal Stop { get; } = new();
    internal byte[][] ArgBytes { get; }
    internal byte[][] EnvBytes { get; }
    internal bool AllowSocketExtension { get; }
    /// <summary>The ABI of the call in progress: layouts differ between wasi_unstable and preview1.</summary>
    internal AbiVersion Abi { get; set; } = AbiVersion.Preview1;

    public WasiHost(WasiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgBytes = options.Args.Select(ZString).ToArray();
        EnvBytes = options.Env.Select(ZString).ToArray();
        AllowSocketExtension = options.AllowSocketExtension;
        try
        {
            AddStdio(options.Stdin, Libc.O_RDONLY);
            AddStdio(options.Stdout, Libc.O_WRONLY);
            AddStdio(options.Stderr, Libc.O_WRONLY);
            foreach (var p in options.Preopens)
            {
                AddPreopen(p);
            }

            foreach (var s in options.Listeners)
            {
                AddListener(s);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The code passed to proc_exit, or null while the guest has not called it.</summary>
    public int? ExitCode => _exitCode;

    internal void SetExitCode(int code) => _exitCode = code;

    /// <summary>
    /// Defines wasi_snapshot_preview1 and wasi_unstable on `linker`. The module's imports pick the
    /// socket ABI: a 2-parameter sock_accept is WasmEdge's, a 3-parameter one is preview1's.
    /// </summary>
    public void Define(Linker linker, Store store, Module module)
    {
        ArgumentNullException.ThrowIfNull(linker);
        ArgumentNullException.ThrowIfNull(module);
        _ = store;
        WasiExports.Define(this, linker, module);
    }

    /// <summary>
    /// Ends blocking host calls (poll_oneoff, reads on streams and sockets, sock_accept) within
    /// milliseconds; they and every later blocking call trap with <see cref="WasiStoppedException"/>.
    /// Safe from any thread. A guest spinning in pure wasm must be stopped by epoch interruption.
    /// </summary>
    public void RequestStop() => Stop.Request();

    private static byte[] ZString(string s) => Encoding.UTF8.GetBytes(s + "\0");

    private void Add(FdEntry entry)
    {
        if (Fds.Insert(entry, out _) != Errno.Success)
        {
            Libc.Close(entry.HostFd);
            throw new InvalidOperationException("too many preopened descriptors");
        }
    }

    private void AddStdio(SafeFileHandle? handle, int nullMode)
    {
        int fd = -1;
        if (handle is not null && !handle.IsInvalid && !handle.IsClosed)
        {
            bool added = false;
            handle.DangerousAddRef(ref added);
            try { fd = Libc.Fcntl((int)handle.DangerousGetHandle(), Libc.F_DUPFD_CLOEXEC, 0); }
            finally
            {
                if (added)
                {
                    handle.DangerousRelease();
                }
            }
            // A closed inherited descriptor (a daemon without stdio) is treated as "none", not as an error.
            if (fd < 0 && Libc.Errno != LinuxErrno.EBADF)
            {
                throw new IOException($"cannot bind stdio: errno {Libc.Errno}");
            }
        }
        if (fd < 0 && nullMode == Libc.O_RDONLY)
        {
            // No stdin: a pipe whose writer is already closed reads EOF and is not a tty.
            int* fds = stackalloc int[2];
            if (Libc.Pipe2(fds, Libc.O_CLOEXEC) != 0)
            {
                throw new IOException($"pipe2 failed: errno {Libc.Errno}");
            }

            Libc.Close(fds[1]);
            fd = fds[0];
        }
        else if (fd < 0)
        {
            fixed (byte* devNull = "/dev/null\0"u8)
            {
                var how = new OpenHow { Flags = (ulong)(nullMode | Libc.O_CLOEXEC) };
                fd = Libc.Openat2(Libc.AT_FDCWD, devNull, &how);
            }
        }
        if (fd < 0)
        {
            throw new IOException($"cannot bind stdio: errno {Libc.Errno}");
        }

        if (HostStat.TypeOfFd(fd, out var type) != Errno.Success)
        {
            type = FileType.Unknown;
        }

        int hostFlags = Libc.Fcntl(fd, Libc.F_GETFL, 0);
        var rights = Fd.RightsOf(type);
        // A tty is a character device without seek/tell: exactly what wasi-libc's isatty checks.
        if (type == FileType.CharacterDevice && Libc.Isatty(fd) == 0)
        {
            rights |= Rights.FdSeek | Rights.FdTell;
        }

        Add(new FdEntry
        {
            HostFd = fd,
            Type = type,
            Base = rights,
            Inheriting = Rights.None,
            Flags = hostFlags >= 0 && (hostFlags & Libc.O_APPEND) != 0 ? FdFlags.Append : FdFlags.None,
        });
    }

    private void AddPreopen(Preopen p)
    {
        var how = new OpenHow { Flags = (ulong)(Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC) };
        var path = Encoding.UTF8.GetBytes(p.HostPath + "\0");
        int fd;
        fixed (byte* pp = path)
        {
            fd = Libc.Openat2(Libc.AT_FDCWD, pp, &how);
        }

        if (fd < 0)
        {
            throw new DirectoryNotFoundException($"cannot preopen '{p.HostPath}': errno {Libc.Errno}");
        }

        Add(new FdEntry
        {
            HostFd = fd,
            Type = FileType.Directory,
            Base = Rights.Directory,
            Inheriting = Rights.All,
            PreopenName = p.GuestPath,
            ReadOnly = p.ReadOnly,
        });
    }

    private void AddListener(System.Net.Sockets.Socket socket)
    {
        int fd = Libc.Fcntl((int)socket.SafeHandle.DangerousGetHandle(), Libc.F_DUPFD_CLOEXEC, 0);
        if (fd < 0)
        {
            throw new IOException($"cannot hand over listener: errno {Libc.Errno}");
        }

        Add(new FdEntry
        {
            HostFd = fd,
            Type = FileType.SocketStream,
            Base = Rights.Socket,
            Inheriting = Rights.Socket & ~Rights.SockAccept,
        });
    }

    public void Dispose()
    {
        Fds.Dispose();
        Stop.Dispose();
    }
}
