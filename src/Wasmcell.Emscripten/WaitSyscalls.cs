using Wasmcell.Wasi;
using Wasmcell.Wasi.Sys;

namespace Wasmcell.Emscripten;

/// <summary>
/// _newselect (142) and poll (168), nginx's event loop (ABI.md §C.4). Both become one ppoll over the host fds plus
/// the stop event (<see cref="StopSignal.Wait"/>), honour the timeout, and report exactly what is ready. A stop
/// during the wait runs the guest's SIGTERM handler and answers EINTR (<see cref="EmscriptenHost.DeliverTermination"/>).
/// </summary>
internal static unsafe class WaitSyscalls
{
    private const int FdSetBytes = 128;

    /// <summary>_newselect(nfds, *readfds, *writefds, *exceptfds, *timeout): rewrites the sets, answers the count of set bits.</summary>
    public static int Select(EmscriptenHost h, int va)
    {
        int nfds = h.Arg(va, 0), readfds = h.Arg(va, 1), writefds = h.Arg(va, 2), exceptfds = h.Arg(va, 3), timeout = h.Arg(va, 4);
        if (nfds < 0 || nfds > EmscriptenLayout.MaxFds)
        {
            return GuestErrno.Negative(LinuxErrno.EINVAL);
        }
        var sets = new[] { readfds, writefds, exceptfds };
        var events = new[] { Libc.POLLIN, Libc.POLLOUT, Libc.POLLPRI };
        var polls = new List<PollFd>();
        var owners = new List<(int Fd, int Set)>();
        var ready = 0;
        for (var set = 0; set < 3; set++)
        {
            if (sets[set] == 0)
            {
                continue;
            }
            for (var fd = 0; fd < nfds; fd++)
            {
                if (!IsSet(h, sets[set], fd))
                {
                    continue;
                }
                if (!h.Fds.TryGet(fd, out var entry))
                {
                    return GuestErrno.Negative(LinuxErrno.EBADF);
                }
                polls.Add(new PollFd { Fd = entry.HostFd, Events = events[set] });
                owners.Add((fd, set));
                ready += entry.MayBlock ? 0 : 1;
            }
        }
        long timeoutNs = -1;
        if (timeout != 0)
        {
            var sec = h.Arg(timeout, 0);
            var usec = h.Arg(timeout, 1);
            if (sec < 0 || usec < 0)
            {
                return GuestErrno.Negative(LinuxErrno.EINVAL);
            }
            timeoutNs = (sec * 1_000_000_000L) + (usec * 1_000L);
        }
        // Files and directories are always ready; ppoll says so at once, so no wait then.
        var fds = polls.ToArray();
        var rc = Wait(h, fds, ready > 0 ? 0 : timeoutNs);
        if (rc < 0)
        {
            return rc;
        }
        for (var set = 0; set < 3; set++)
        {
            if (sets[set] != 0)
            {
                h.Memory.Span(sets[set], Math.Min(FdSetBytes, ((nfds + 31) / 32) * 4)).Clear();
            }
        }
        var count = 0;
        for (var i = 0; i < fds.Length; i++)
        {
            var (fd, set) = owners[i];
            var revents = fds[i].Revents;
            if ((revents & Libc.POLLNVAL) != 0)
            {
                return GuestErrno.Negative(LinuxErrno.EBADF);
            }
            var hit = set switch
            {
                0 => (revents & (Libc.POLLIN | Libc.POLLHUP | Libc.POLLERR)) != 0,
                1 => (revents & (Libc.POLLOUT | Libc.POLLHUP | Libc.POLLERR)) != 0,
                _ => (revents & Libc.POLLPRI) != 0,
            };
            if (hit)
            {
                var word = sets[set] + ((fd >> 5) * 4);
                h.Memory.WriteU32(word, h.Memory.ReadU32(word) | (1u << (fd & 31)));
                count++;
            }
        }
        return count;
    }

    private static bool IsSet(EmscriptenHost h, int set, int fd) => (h.Memory.ReadU32(set + ((fd >> 5) * 4)) & (1u << (fd & 31))) != 0;

    /// <summary>poll(*fds, nfds, timeout_ms): pollfd = {i32 fd, i16 events, i16 revents}; the event bits are Linux's.</summary>
    public static int Poll(EmscriptenHost h, int va)
    {
        int array = h.Arg(va, 0), count = h.Arg(va, 1), timeoutMs = h.Arg(va, 2);
        if (count < 0 || count > EmscriptenLayout.MaxFds)
        {
            return GuestErrno.Negative(LinuxErrno.EINVAL);
        }
        var fds = new PollFd[count];
        for (var i = 0; i < count; i++)
        {
            var fd = h.Arg(array + (i * 8), 0);
            var events = (short)h.Memory.ReadU16(array + (i * 8) + 4);
            // A negative fd is skipped (revents 0); an fd not open is POLLNVAL, as Linux answers.
            fds[i] = new PollFd { Fd = fd < 0 ? -1 : h.Fds.TryGet(fd, out var entry) ? entry.HostFd : int.MaxValue, Events = events };
        }
        var rc = Wait(h, fds, timeoutMs < 0 ? -1 : timeoutMs * 1_000_000L);
        if (rc < 0)
        {
            return rc;
        }
        var ready = 0;
        for (var i = 0; i < count; i++)
        {
            var revents = fds[i].Fd == int.MaxValue ? Libc.POLLNVAL : fds[i].Revents;
            h.Memory.WriteU16(array + (i * 8) + 6, (ushort)revents);
            ready += revents != 0 ? 1 : 0;
        }
        return ready;
    }

    private static int Wait(EmscriptenHost h, PollFd[] fds, long timeoutNs)
    {
        try
        {
            return h.Stop.Wait(fds, timeoutNs);
        }
        catch (WasiStoppedException stop)
        {
            return h.DeliverTermination(stop);
        }
    }
}
