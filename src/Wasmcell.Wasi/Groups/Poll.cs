using Wasmcell.Wasi.Abi;
using Wasmcell.Wasi.Sys;

namespace Wasmcell.Wasi.Groups;

/// <summary>poll_oneoff.</summary>
internal static unsafe partial class Poll
{
    private const byte TagClock = 0, TagFdRead = 1, TagFdWrite = 2;
    private const ushort SubClockAbstime = 1, EventHangup = 1;

    private readonly record struct Event(ulong UserData, Errno Error, byte Type, ulong NBytes, ushort Flags);

    /// <summary>
    /// poll_oneoff(in, out, nsubscriptions, *nevents). Clock subscriptions become the ppoll
    /// timeout; fd subscriptions on streams and sockets become pollfds; regular files are always
    /// ready (as POSIX says). The stop event is part of every wait. Subscriptions are 48 bytes
    /// (preview1) or 56 (wasi_unstable, whose clock has an extra u64 identifier first); events
    /// are 32 bytes in both.
    /// </summary>
    /// <returns>Inval when nsubscriptions is 0; per-subscription errors (BadF, Inval) are reported
    /// in the events. https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#poll_oneoff</returns>
    public static Errno PollOneoff(WasiHost h, int input, int output, int count, int nevents)
    {
        if (count <= 0)
        {
            return Errno.Inval;
        }

        if (count > 4096)
        {
            return Errno.Inval;
        }

        var m = h.Memory;
        int subSize = h.Abi == AbiVersion.Unstable ? 56 : 48;
        m.Span(input, (uint)(subSize * count));
        m.Span(output, (uint)(32 * count));

        var ready = new List<Event>();
        var fdSubs = new List<(int Index, ulong UserData, byte Tag)>();
        var pollFds = new List<PollFd>();
        var clocks = new List<(ulong UserData, long Deadline)>();
        long now = Clocks.MonotonicNs();
        long minTimeout = -1;

        for (int i = 0; i < count; i++)
        {
            int sub = input + i * subSize;
            ulong userData = m.ReadU64(sub);
            byte tag = m.ReadU8(sub + 8);
            if (tag == TagClock)
            {
                int c = sub + (h.Abi == AbiVersion.Unstable ? 24 : 16);
                uint id = m.ReadU32(c);
                ulong timeout = m.ReadU64(c + 8);
                ushort flags = m.ReadU16(c + 24);
                if (id > 3) { ready.Add(new Event(userData, Errno.Inval, tag, 0, 0)); continue; }
                long rel = (flags & SubClockAbstime) != 0
                    ? (long)Math.Min(timeout, long.MaxValue) - Clocks.Now((int)id)
                    : (long)Math.Min(timeout, long.MaxValue / 2);
                rel = Math.Max(0, rel);
                clocks.Add((userData, now + rel));
                minTimeout = minTimeout < 0 ? rel : Math.Min(minTimeout, rel);
            }
            else if (tag is TagFdRead or TagFdWrite)
            {
                int fd = (int)m.ReadU32(sub + 16);
                var e = Fd.Get(h, fd, Rights.PollFdReadwrite, out var entry);
                if (e != Errno.Success) { ready.Add(new Event(userData, e, tag, 0, 0)); continue; }
                if (!entry.MayBlock)
                {
                    ready.Add(new Event(userData, Errno.Success, tag, tag == TagFdRead ? Remaining(entry.HostFd) : 0, 0));
                    continue;
                }
                fdSubs.Add((pollFds.Count, userData, tag));
                pollFds.Add(new PollFd { Fd = entry.HostFd, Events = tag == TagFdRead ? Libc.POLLIN : Libc.POLLOUT });
            }
            else
            {
                ready.Add(new Event(userData, Errno.Inval, tag, 0, 0));
            }
        }

        var fds = pollFds.ToArray();
        long wait = ready.Count > 0 ? 0 : minTimeout;
        if (fds.Length > 0 || wait != 0)
        {
            h.Stop.Wait(fds, wait);
        }
        else
        {
            h.Stop.ThrowIfStopped();
        }

        foreach (var (index, userData, tag) in fdSubs)
        {
            short rev = fds[index].Revents;
            if (rev == 0)
            {
                continue;
            }

            if ((rev & Libc.POLLNVAL) != 0) { ready.Add(new Event(userData, Errno.BadF, tag, 0, 0)); continue; }
            ushort flags = (rev & Libc.POLLHUP) != 0 ? EventHangup : (ushort)0;
            ulong nbytes = 0;
            if (tag == TagFdRead)
            {
                int avail = 0;
                if (Libc.Ioctl(fds[index].Fd, Libc.FIONREAD, &avail) == 0)
                {
                    nbytes = (ulong)avail;
                }
            }
            ready.Add(new Event(userData, Errno.Success, tag, nbytes, flags));
        }
        long after = Clocks.MonotonicNs();
        foreach (var (userData, deadline) in clocks)
        {
            if (deadline <= after)
            {
                ready.Add(new Event(userData, Errno.Success, TagClock, 0, 0));
            }
        }

        for (int i = 0; i < ready.Count; i++)
        {
            int ev = output + i * 32;
            var ev0 = ready[i];
            m.Span(ev, 32).Clear();
            m.WriteU64(ev, ev0.UserData);
            m.WriteU16(ev + 8, (ushort)ev0.Error);
            m.WriteU8(ev + 10, ev0.Type);
            m.WriteU64(ev + 16, ev0.NBytes);
            m.WriteU16(ev + 24, ev0.Flags);
        }
        m.WriteU32(nevents, (uint)ready.Count);
        return Errno.Success;
    }

    /// <summary>Bytes between the file offset and the end of a regular file.</summary>
    private static ulong Remaining(int fd)
    {
        long pos = Libc.Lseek(fd, 0, Libc.SEEK_CUR);
        if (pos < 0 || HostStat.OfFd(fd, out var st) != Errno.Success)
        {
            return 0;
        }

        return st.Size > (ulong)pos ? st.Size - (ulong)pos : 0;
    }
}
