using Wasmcell.Wasi.Abi;

namespace Wasmcell.Wasi.Sys;

/// <summary>
/// The stop event and every wait of the host. Each blocking call (poll_oneoff, reads on streams,
/// sock_accept) is a ppoll over the guest's fds plus an eventfd that <see cref="Request"/> makes
/// readable, so a stop ends the wait at once instead of after some polling period.
/// </summary>
internal sealed unsafe class StopSignal : IDisposable
{
    private readonly int _eventFd;
    private readonly object _gate = new();
    private volatile bool _stopped;
    private bool _disposed;

    public StopSignal()
    {
        _eventFd = Libc.EventFd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        if (_eventFd < 0)
        {
            throw new IOException($"eventfd failed: errno {Libc.Errno}");
        }
    }

    public bool IsStopped => _stopped;

    /// <summary>Any thread, any time, also after Dispose (then a no-op: the fd number may already be reused).</summary>
    public void Request()
    {
        _stopped = true;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            ulong one = 1;
            Libc.Write(_eventFd, (byte*)&one, 8);
        }
    }

    public void ThrowIfStopped()
    {
        if (_stopped)
        {
            throw new WasiStoppedException();
        }
    }

    /// <summary>
    /// Waits until one of `fds` has an event or `timeoutNs` passes (negative: forever). Throws once
    /// stopped. Returns the ppoll count (0 = timeout); revents are filled in `fds`.
    /// </summary>
    public int Wait(Span<PollFd> fds, long timeoutNs)
    {
        Span<PollFd> all = fds.Length < 32 ? stackalloc PollFd[fds.Length + 1] : new PollFd[fds.Length + 1];
        fds.CopyTo(all);
        all[fds.Length] = new PollFd { Fd = _eventFd, Events = Libc.POLLIN };
        long deadline = timeoutNs < 0 ? long.MaxValue : Clocks.MonotonicNs() + timeoutNs;
        while (true)
        {
            ThrowIfStopped();
            Timespec ts = default;
            Timespec* tsp = null;
            if (timeoutNs >= 0)
            {
                long left = Math.Max(0, deadline - Clocks.MonotonicNs());
                ts = new Timespec { Seconds = left / 1_000_000_000, Nanoseconds = left % 1_000_000_000 };
                tsp = &ts;
            }
            int n;
            fixed (PollFd* p = all)
            {
                n = Libc.Ppoll(p, (nuint)all.Length, tsp, null);
            }

            if (n < 0)
            {
                if (Libc.Errno == LinuxErrno.EINTR)
                {
                    continue;
                }

                throw new IOException($"ppoll failed: errno {Libc.Errno}");
            }
            ThrowIfStopped();
            all[..fds.Length].CopyTo(fds);
            return n;
        }
    }

    /// <summary>Waits until `fd` is readable (or writable); false on timeout.</summary>
    public bool WaitFor(int fd, short events, long timeoutNs = -1)
    {
        Span<PollFd> one = stackalloc PollFd[1];
        one[0] = new PollFd { Fd = fd, Events = events };
        return Wait(one, timeoutNs) > 0;
    }

    /// <summary>Non-blocking readiness probe.</summary>
    public static bool IsReady(int fd, short events)
    {
        var p = new PollFd { Fd = fd, Events = events };
        var zero = new Timespec();
        int n;
        do
        {
            n = Libc.Ppoll(&p, 1, &zero, null);
        }
        while (n < 0 && Libc.Errno == LinuxErrno.EINTR);
        return n > 0;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            Libc.Close(_eventFd);
        }
    }
}
