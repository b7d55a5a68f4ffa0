using System.Text;
using Wasmcell.Wasi;

namespace Wasmcell.Emscripten;

/// <summary>
/// libc-style imports about the process (ABI.md §B.2, §B.4): environment, exit, signals, users, sleep. These
/// answer -1 or NULL with errno in guest memory, never -errno.
/// </summary>
internal static class LibraryProcess
{
    private const int SigsetBytes = 128, SigactionFlagsOffset = 132;

    /// <summary>___buildEnvironment(environ_pp): "K=V" strings and a NULL-terminated array, stored at *environ_pp.</summary>
    public static void BuildEnvironment(EmscriptenHost h, int environPtr)
    {
        var strings = h.Env.Select(e => Encoding.UTF8.GetBytes(e + "\0")).ToArray();
        var array = h.Exports.Malloc((strings.Length + 1) * 4);
        if (array == 0)
        {
            h.Memory.WriteU32(environPtr, 0);
            return;
        }
        for (var i = 0; i < strings.Length; i++)
        {
            var p = h.Exports.Malloc(strings[i].Length);
            strings[i].CopyTo(h.Memory.Span(p, strings[i].Length));
            h.Memory.WriteU32(array + (i * 4), (uint)p);
        }
        h.Memory.WriteU32(array + (strings.Length * 4), 0);
        h.Memory.WriteU32(environPtr, (uint)array);
    }

    /// <summary>getenv(name): the same variables as environ; one guest copy per name, reused by later calls.</summary>
    public static int Getenv(EmscriptenHost h, int namePtr)
    {
        var name = h.CString(namePtr, 1024);
        if (name is null || name.Length == 0)
        {
            return 0;
        }
        var key = Encoding.UTF8.GetString(name);
        var entry = h.Env.LastOrDefault(e => e.StartsWith(key + "=", StringComparison.Ordinal));
        if (entry is null)
        {
            return 0;
        }
        if (h.GetenvResults.TryGetValue(entry, out var cached))
        {
            return cached;
        }
        var value = Encoding.UTF8.GetBytes(entry[(key.Length + 1)..] + "\0");
        var p = h.Exports.Malloc(value.Length);
        if (p != 0)
        {
            value.CopyTo(h.Memory.Span(p, value.Length));
            h.GetenvResults[entry] = p;
        }
        return p;
    }

    /// <summary>_exit(status): ends the guest (never the host process) with `status` as the container's exit code.</summary>
    public static void Exit(EmscriptenHost h, int status)
    {
        h.SetExitCode(status & 0xff);
        throw new WasiExitException(status & 0xff);
    }

    /// <summary>sigaction(sig, *act, *old): records the handler; signals reach the guest only as the stop request (SIGTERM).</summary>
    public static int Sigaction(EmscriptenHost h, int signal, int act, int old)
    {
        if (signal < 1 || signal > 64)
        {
            return h.Fail(LinuxErrno.EINVAL);
        }
        var previous = h.SignalAction(signal);
        if (old != 0)
        {
            h.Memory.Span(old, SigactionFlagsOffset + 8).Clear();
            h.Memory.WriteU32(old, (uint)previous.Handler);
            h.Memory.WriteU32(old + SigactionFlagsOffset, (uint)previous.Flags);
        }
        if (act != 0)
        {
            h.SetSignalAction(signal, new SignalAction((int)h.Memory.ReadU32(act), (int)h.Memory.ReadU32(act + SigactionFlagsOffset)));
        }
        return 0;
    }

    public static int Sigemptyset(EmscriptenHost h, int set)
    {
        h.Memory.Span(set, SigsetBytes).Clear();
        return 0;
    }

    public static int Sigaddset(EmscriptenHost h, int set, int signal)
    {
        if (signal < 1 || signal > 64)
        {
            return h.Fail(LinuxErrno.EINVAL);
        }
        var word = set + (((signal - 1) >> 5) * 4);
        h.Memory.WriteU32(word, h.Memory.ReadU32(word) | (1u << ((signal - 1) & 31)));
        return 0;
    }

    /// <summary>sigprocmask: nothing is ever delivered asynchronously, so every mask is empty.</summary>
    public static int Sigprocmask(EmscriptenHost h, int old)
    {
        if (old != 0)
        {
            h.Memory.Span(old, SigsetBytes).Clear();
        }
        return 0;
    }

    /// <summary>sigsuspend: waits until the stop request, which runs the SIGTERM handler and returns EINTR.</summary>
    public static int Sigsuspend(EmscriptenHost h)
    {
        try
        {
            h.Stop.Wait([], -1);
            return h.Fail(LinuxErrno.EINTR);
        }
        catch (WasiStoppedException stop)
        {
            h.DeliverTermination(stop);
            return h.Fail(LinuxErrno.EINTR);
        }
    }

    /// <summary>raise(sig): runs the guest's handler; without one, an ignored signal is nothing and any other ends the guest as 128+sig.</summary>
    public static int Raise(EmscriptenHost h, int signal)
    {
        var action = h.SignalAction(signal);
        if (action.Handler == 1)
        {
            return 0;
        }
        if (action.Handler > 1)
        {
            if ((action.Flags & Signals.SA_SIGINFO) != 0)
            {
                h.Exports.DynCallViii(action.Handler, signal, 0, 0);
            }
            else
            {
                h.Exports.DynCallVi(action.Handler, signal);
            }
            return 0;
        }
        Exit(h, 128 + signal);
        return 0;
    }

    /// <summary>usleep: an interruptible sleep; a stop ends it (and the guest, unless it handles SIGTERM).</summary>
    public static int Usleep(EmscriptenHost h, int usec)
    {
        try
        {
            h.Stop.Wait([], (uint)usec * 1000L);
            return 0;
        }
        catch (WasiStoppedException stop)
        {
            h.DeliverTermination(stop);
            return h.Fail(LinuxErrno.EINTR);
        }
    }

    /// <summary>sysconf: CPU count, page size, open files, clock ticks; EINVAL for the rest.</summary>
    public static int Sysconf(EmscriptenHost h, int name) => name switch
    {
        2 => 100,                                       // _SC_CLK_TCK
        4 => EmscriptenLayout.MaxFds,                   // _SC_OPEN_MAX
        30 => EmscriptenLayout.PageSize,                // _SC_PAGESIZE
        83 or 84 => Environment.ProcessorCount,         // _SC_NPROCESSORS_CONF, _ONLN
        _ => h.Fail(LinuxErrno.EINVAL),
    };

    /// <summary>_emscripten_memcpy_big(dst, src, n): the module's memcpy for n ≥ 8192.</summary>
    public static int MemcpyBig(EmscriptenHost h, int dst, int src, int count)
    {
        h.Memory.Span(src, count).CopyTo(h.Memory.Span(dst, count));
        return dst;
    }

    /// <summary>getpwnam: only "nobody" exists (uid/gid 65534), matching the guest's uid; NULL otherwise.</summary>
    public static int Getpwnam(EmscriptenHost h, int namePtr)
    {
        if (!IsNobody(h, namePtr, "nobody"))
        {
            return 0;
        }
        // struct passwd (28 B, ABI.md §D.11): name, passwd, uid, gid, gecos, dir, shell.
        var p = Allocate(h, 28, "nobody", "x", "/", "/sbin/nologin");
        if (p == 0)
        {
            return 0;
        }
        var strings = p + 28;
        h.Memory.WriteU32(p, (uint)strings);
        h.Memory.WriteU32(p + 4, (uint)(strings + 7));
        h.Memory.WriteU32(p + 8, ProcessSyscalls.GuestUid);
        h.Memory.WriteU32(p + 12, ProcessSyscalls.GuestUid);
        h.Memory.WriteU32(p + 16, (uint)strings);
        h.Memory.WriteU32(p + 20, (uint)(strings + 9));
        h.Memory.WriteU32(p + 24, (uint)(strings + 11));
        return p;
    }

    /// <summary>getgrnam: only "nogroup" and "nobody" exist (gid 65534, no members); NULL otherwise.</summary>
    public static int Getgrnam(EmscriptenHost h, int namePtr)
    {
        if (!IsNobody(h, namePtr, "nogroup") && !IsNobody(h, namePtr, "nobody"))
        {
            return 0;
        }
        // struct group (16 B): name, passwd, gid, members (a NULL-terminated list, here empty).
        var name = Encoding.UTF8.GetString(h.CString(namePtr, 16)!);
        var p = Allocate(h, 20, name, "x");
        if (p == 0)
        {
            return 0;
        }
        var strings = p + 20;
        h.Memory.WriteU32(p, (uint)strings);
        h.Memory.WriteU32(p + 4, (uint)(strings + name.Length + 1));
        h.Memory.WriteU32(p + 8, ProcessSyscalls.GuestUid);
        h.Memory.WriteU32(p + 12, (uint)(p + 16));
        h.Memory.WriteU32(p + 16, 0);
        return p;
    }

    private static bool IsNobody(EmscriptenHost h, int namePtr, string name) =>
        h.CString(namePtr, 64) is { } bytes && bytes.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(name));

    /// <summary>One guest block: `header` bytes, then the strings back to back, NUL-terminated. NULL with ENOMEM when malloc fails.</summary>
    private static int Allocate(EmscriptenHost h, int header, params string[] strings)
    {
        var bytes = Encoding.UTF8.GetBytes(string.Concat(strings.Select(s => s + "\0")));
        var p = h.Exports.Malloc(header + bytes.Length);
        if (p == 0)
        {
            h.Fail(LinuxErrno.ENOMEM);
            return 0;
        }
        bytes.CopyTo(h.Memory.Span(p + header, bytes.Length));
        return p;
    }
}
