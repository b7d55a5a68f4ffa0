using Wasmcell.Linux;

namespace Wasmcell.Shim.Containers;

/// <summary>
/// Copies the client's stdin FIFO into the pipe the process reads as stdin. The shim opens the FIFO's read
/// end without blocking (Create never waits for a client) and, as runc's shim does, a write end of its own,
/// the hold, so the process sees no EOF before a client came and went. CloseIO means "no more input": the
/// copy delivers everything already in the FIFO, which holds every byte the client wrote before it sent
/// CloseIO, then closes the process's stdin, even if the client keeps its writer open. However late the copy
/// runs, nothing sent before CloseIO is lost.
/// The copy runs on a dedicated thread (writing to a process that does not read blocks); Dispose stops it.
/// </summary>
public sealed class StdinRelay : IDisposable
{
    private readonly Lock _gate = new();
    // Owned by the copy thread once it started, by Dispose before that.
    private readonly int _fifo;
    private readonly int _pipeWrite;
    private readonly int _wakeRead;
    private int _hold;
    private int _wakeWrite;
    private bool _started;
    private bool _disposed;

    private StdinRelay(int fifo, int hold, int pipeWrite, int wakeRead, int wakeWrite)
    {
        _fifo = fifo;
        _hold = hold;
        _pipeWrite = pipeWrite;
        _wakeRead = wakeRead;
        _wakeWrite = wakeWrite;
    }

    /// <summary>Opens <paramref name="fifoPath"/> for the relay, which owns <paramref name="pipeWrite"/> from now on.</summary>
    public static StdinRelay Open(string fifoPath, int pipeWrite)
    {
        int fifo = -1, hold = -1;
        try
        {
            fifo = Libc.Open(fifoPath, Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
            if (fifo < 0)
            {
                throw Libc.IoError($"open stdin {fifoPath}", Libc.Errno);
            }
            // Cannot fail with ENXIO: the reader above is there.
            hold = Libc.Open(fifoPath, Libc.O_WRONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
            if (hold < 0)
            {
                throw Libc.IoError($"open stdin {fifoPath} for writing", Libc.Errno);
            }
            var (wakeRead, wakeWrite) = Libc.Pipe();
            return new StdinRelay(fifo, hold, pipeWrite, wakeRead, wakeWrite);
        }
        catch
        {
            Libc.CloseQuietly(fifo);
            Libc.CloseQuietly(hold);
            Libc.CloseQuietly(pipeWrite);
            throw;
        }
    }

    /// <summary>Starts the copy; once.</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (_started || _disposed)
            {
                return;
            }
            _started = true;
        }
        DedicatedThread.StartSoon(Copy, "stdin-copy");
    }

    /// <summary>CloseIO: the process reads EOF once it has read what is in the FIFO now.</summary>
    public void CloseInput()
    {
        lock (_gate)
        {
            if (_hold < 0)
            {
                return;
            }
            Libc.CloseQuietly(_hold);
            _hold = -1;
            if (_wakeWrite >= 0)
            {
                Libc.WriteAll(_wakeWrite, [1]); // "drain, then end"; one byte in an empty pipe cannot block
            }
        }
    }

    /// <summary>Stops the copy, whatever it waits for; what is still in the FIFO is not delivered.</summary>
    public void Dispose()
    {
        bool started;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            started = _started;
            Libc.CloseQuietly(_hold);
            _hold = -1;
            // EOF on the wake pipe: "end now". The copy thread closes its own fds.
            Libc.CloseQuietly(_wakeWrite);
            _wakeWrite = -1;
        }
        if (!started)
        {
            CloseCopyFds();
        }
    }

    private void Copy()
    {
        var buffer = new byte[64 * 1024];
        var draining = false;
        try
        {
            while (true)
            {
                var (data, wake) = draining ? (true, false) : Libc.WaitEitherReadable(_fifo, _wakeRead);
                if (wake)
                {
                    if (Libc.ReadSome(_wakeRead, buffer.AsSpan(0, 1)) == 0)
                    {
                        break; // Dispose
                    }
                    draining = true;
                    continue;
                }
                if (!data)
                {
                    continue;
                }
                var n = Libc.ReadSome(_fifo, buffer);
                if (n == 0 || (n < 0 && draining))
                {
                    break; // every writer is gone, or CloseIO came and the FIFO is empty
                }
                if (n > 0)
                {
                    Libc.WriteAll(_pipeWrite, buffer.AsSpan(0, n));
                }
            }
        }
        catch (IOException)
        {
            // The process went away (EPIPE): nobody reads what is left.
        }
        finally
        {
            CloseCopyFds();
        }
    }

    private void CloseCopyFds()
    {
        Libc.CloseQuietly(_pipeWrite);
        Libc.CloseQuietly(_fifo);
        Libc.CloseQuietly(_wakeRead);
    }
}
