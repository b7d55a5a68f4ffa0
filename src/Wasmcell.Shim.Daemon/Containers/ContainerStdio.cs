using Wasmcell.Shim.Interop;

namespace Wasmcell.Shim.Containers;

/// <summary>
/// The container's stdio as three fds to hand to its process (SPEC §6.4). stdout/stderr are the client's
/// FIFOs (or files), opened without blocking. stdin goes through a pipe: a background thread opens the
/// FIFO (a blocking open that completes when the client's writer appears) and copies into the pipe, so
/// the process sees EOF when the client closes or CloseIO arrives. The thread starts with
/// <see cref="StartStdinCopy"/> (DedicatedThread), once the process has been spawned: nothing reads stdin
/// before Start.
/// </summary>
internal sealed class ContainerStdio : IDisposable
{
    // Read ends the shim holds on the output FIFOs while the process runs: with no reader left
    // (`ctr run -d`, a client that went away) writes would fail with EPIPE and kill the guest's output.
    private readonly List<int> _keepalive = [];
    private int _stdinPipeWrite = -1;
    private int _stdinFifo = -1;
    private readonly object _gate = new();
    private bool _stdinClosed;
    private string? _stdinPath;

    public int Stdin { get; private set; } = -1;
    public int Stdout { get; private set; } = -1;
    public int Stderr { get; private set; } = -1;

    public static ContainerStdio Open(string stdin, string stdout, string stderr)
    {
        var io = new ContainerStdio();
        try
        {
            io.Stdout = io.OpenOutput(stdout);
            io.Stderr = stderr.Length > 0 && stderr == stdout ? Dup(io.Stdout) : io.OpenOutput(stderr);
            if (stdin.Length > 0)
            {
                var (r, w) = Libc.Pipe();
                io.Stdin = r;
                io._stdinPipeWrite = w;
                io._stdinPath = PathOf(stdin, "stdin");
            }
            return io;
        }
        catch
        {
            io.Dispose();
            throw;
        }
    }

    /// <summary>Starts copying the client's stdin FIFO into the process's stdin; once, and only if there is one.</summary>
    public void StartStdinCopy()
    {
        if (Interlocked.Exchange(ref _stdinPath, null) is { } path)
        {
            Processes.DedicatedThread.StartSoon(() => CopyStdin(path), "stdin-copy");
        }
    }

    /// <summary>Closes the process's stdin (CloseIO): it reads EOF once buffered bytes are consumed.</summary>
    public void CloseStdin()
    {
        lock (_gate)
        {
            _stdinClosed = true;
            Libc.CloseQuietly(_stdinPipeWrite);
            _stdinPipeWrite = -1;
            Libc.CloseQuietly(_stdinFifo);
            _stdinFifo = -1;
        }
    }

    /// <summary>Closes the fds given to the process; the shim keeps none once it has started.</summary>
    public void CloseProcessSide()
    {
        Libc.CloseQuietly(Stdin);
        Stdin = -1;
        Libc.CloseQuietly(Stdout);
        Stdout = -1;
        Libc.CloseQuietly(Stderr);
        Stderr = -1;
    }

    /// <summary>Drops the FIFO read ends once the process has exited.</summary>
    public void ReleaseKeepalive()
    {
        lock (_keepalive)
        {
            _keepalive.ForEach(Libc.CloseQuietly);
            _keepalive.Clear();
        }
    }

    public void Dispose()
    {
        CloseStdin();
        CloseProcessSide();
        ReleaseKeepalive();
    }

    private void CopyStdin(string path)
    {
        var fd = Libc.RetryEintr(() => Libc.Open(path, Libc.O_RDONLY | Libc.O_CLOEXEC, 0));
        if (fd < 0)
        {
            CloseStdin();
            return;
        }
        lock (_gate)
        {
            if (_stdinClosed)
            {
                Libc.Close(fd);
                return;
            }
            _stdinFifo = fd;
        }
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var n = Libc.ReadSome(fd, buffer);
                if (n == 0)
                {
                    break;
                }
                int w;
                lock (_gate)
                {
                    w = _stdinPipeWrite;
                }
                if (w < 0)
                {
                    break;
                }
                Libc.WriteAll(w, buffer.AsSpan(0, n));
            }
        }
        catch (IOException)
        {
            // The process went away (EPIPE) or CloseIO closed our fds under us.
        }
        CloseStdin();
    }

    private int OpenOutput(string uri)
    {
        if (uri.Length == 0)
        {
            return -1;
        }
        if (uri.StartsWith("file://", StringComparison.Ordinal))
        {
            var file = new Uri(uri).LocalPath;
            var f = Libc.Open(file, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_APPEND | Libc.O_CLOEXEC, 0x1a0);
            return f >= 0 ? f : throw Libc.IoError($"open {file}", Libc.Errno);
        }
        var path = PathOf(uri, "stdout/stderr");
        // A FIFO whose reader is gone would make O_WRONLY|O_NONBLOCK fail with ENXIO and a plain O_WRONLY
        // block forever; O_RDWR never blocks on Linux and keeps writes from failing with EPIPE.
        var fd = Libc.Open(path, Libc.O_WRONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
        if (fd < 0 && Libc.Errno == Libc.ENXIO)
        {
            fd = Libc.Open(path, Libc.O_RDWR | Libc.O_CLOEXEC, 0);
        }
        if (fd < 0)
        {
            throw Libc.IoError($"open {path}", Libc.Errno);
        }
        Libc.ClearNonBlocking(fd);
        var reader = Libc.Open(path, Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
        if (reader >= 0)
        {
            lock (_keepalive)
            {
                _keepalive.Add(reader);
            }
        }
        return fd;
    }

    private static string PathOf(string uri, string what)
    {
        if (uri.StartsWith("fifo://", StringComparison.Ordinal))
        {
            return uri["fifo://".Length..];
        }
        if (uri.StartsWith('/'))
        {
            return uri;
        }
        throw new NotSupportedException($"{what} '{uri}' is not supported: use a FIFO path or file:// URI");
    }

    private static int Dup(int fd)
    {
        var d = Libc.Fcntl(fd, 1030 /* F_DUPFD_CLOEXEC */, 3);
        return d >= 0 ? d : throw Libc.IoError("dup", Libc.Errno);
    }
}
