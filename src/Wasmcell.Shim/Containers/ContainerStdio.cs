using Wasmcell.Linux;

namespace Wasmcell.Shim.Containers;

/// <summary>
/// The container's stdio as three fds to hand to its process (SPEC §6.4). stdout/stderr are the client's
/// FIFOs (or files), opened without blocking. stdin is a pipe that a <see cref="StdinRelay"/> fills from
/// the client's FIFO once <see cref="StartStdinCopy"/> is called (after the process was spawned: nothing
/// reads stdin before Start); after CloseIO the process reads what was sent before it, then EOF.
/// </summary>
public sealed class ContainerStdio : IDisposable
{
    // Read ends the shim holds on the output FIFOs until the exit: with no reader left (`ctr run -d`, a
    // client that went away) writes would fail with EPIPE and kill the guest's output. The shim keeps the
    // write ends (Stdout, Stderr) as long: ctr opens its readers in the background, and one opening after
    // the process closed its own would wait for a writer forever and never read what is in the pipe.
    private readonly List<int> _keepalive = [];
    private static readonly TimeSpan FinePolling = TimeSpan.FromMilliseconds(5);
    private StdinRelay? _stdin;

    public int Stdin { get; private set; } = -1;
    public int Stdout { get; private set; } = -1;
    public int Stderr { get; private set; } = -1;

    public static ContainerStdio Open(string stdin, string stdout, string stderr)
    {
        var io = new ContainerStdio();
        try
        {
            io.Stdout = io.OpenOutput(stdout);
            io.Stderr = stderr.Length > 0 && stderr == stdout ? Libc.DupCloexec(io.Stdout, 3) : io.OpenOutput(stderr);
            if (stdin.Length > 0)
            {
                var path = PathOf(stdin, "stdin");
                var (r, w) = Libc.Pipe();
                io.Stdin = r;
                io._stdin = StdinRelay.Open(path, w);
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
    public void StartStdinCopy() => _stdin?.Start();

    /// <summary>CloseIO: the process reads EOF once it has read what the client wrote before.</summary>
    public void CloseStdin() => _stdin?.CloseInput();

    /// <summary>At Start: the process has its stdin, and a read end left here would keep the relay writing into a pipe nobody reads.</summary>
    public void CloseProcessStdin()
    {
        Libc.CloseQuietly(Stdin);
        Stdin = -1;
    }

    /// <summary>
    /// Waits until the client has read what the process left in its output FIFOs. ctr closes its readers as
    /// soon as Wait returns and drops whatever is still in the pipe; runc's shim leaves that race open (a fast
    /// program's last lines go missing under load). Gives up once the unread amount has not shrunk for
    /// <paramref name="stallLimit"/>: a client that does not read (`ctr run -d`) must not hold the exit back.
    /// Returns the bytes still unread then (0: the client has it all).
    /// </summary>
    public async Task<long> WaitOutputReadAsync(TimeSpan stallLimit)
    {
        int[] fifos;
        lock (_keepalive)
        {
            fifos = [.. _keepalive];
        }
        var unread = Unread(fifos);
        var sinceProgress = System.Diagnostics.Stopwatch.StartNew();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (unread > 0 && sinceProgress.Elapsed < stallLimit)
        {
            // A reading client catches up within microseconds, much less than a timer's tick (1-2 ms): look
            // often at first, holding this thread for no more than a few ms.
            if (waited.Elapsed < FinePolling)
            {
                Libc.Usleep(50);
            }
            else
            {
                await Task.Delay(1).ConfigureAwait(false);
            }
            var now = Unread(fifos);
            if (now < unread)
            {
                sinceProgress.Restart();
            }
            unread = now;
        }
        return unread;
    }

    private static long Unread(int[] fifos)
    {
        long sum = 0;
        foreach (var fd in fifos)
        {
            sum += Libc.UnreadBytes(fd);
        }
        return sum;
    }

    /// <summary>After the exit and <see cref="WaitOutputReadAsync"/>: the shim lets go of the output FIFOs, and the client reads EOF.</summary>
    public void CloseOutput()
    {
        lock (_keepalive)
        {
            Libc.CloseQuietly(Stdout);
            Stdout = -1;
            Libc.CloseQuietly(Stderr);
            Stderr = -1;
            _keepalive.ForEach(Libc.CloseQuietly);
            _keepalive.Clear();
        }
    }

    public void Dispose()
    {
        _stdin?.Dispose();
        CloseProcessStdin();
        CloseOutput();
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
        if (fd < 0 && Libc.Errno == Errno.ENXIO)
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
}
