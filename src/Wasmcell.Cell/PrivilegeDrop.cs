using Wasmcell.Linux;
using Wasmcell.Oci.RuntimeSpec;

namespace Wasmcell.Cell;

/// <summary>
/// The second isolation layer around a guest (design.md "OS isolation"): before the guest runs, the cell
/// applies process.rlimits, sets no_new_privs, empties the capability bounding set, becomes process.user
/// and clears its capabilities (so even uid 0 runs without them). Everything that needs privilege —
/// reading the cache, joining namespaces and cgroups, binding listeners, opening the preopened directories
/// through the 0700 bundle — happens before.
/// </summary>
public static class PrivilegeDrop
{
    private static readonly Dictionary<string, int> Rlimits = new(StringComparer.Ordinal)
    {
        ["RLIMIT_CPU"] = 0,
        ["RLIMIT_FSIZE"] = 1,
        ["RLIMIT_DATA"] = 2,
        ["RLIMIT_STACK"] = 3,
        ["RLIMIT_CORE"] = 4,
        ["RLIMIT_RSS"] = 5,
        ["RLIMIT_NPROC"] = 6,
        ["RLIMIT_NOFILE"] = 7,
        ["RLIMIT_MEMLOCK"] = 8,
        ["RLIMIT_AS"] = 9,
        ["RLIMIT_LOCKS"] = 10,
        ["RLIMIT_SIGPENDING"] = 11,
        ["RLIMIT_MSGQUEUE"] = 12,
        ["RLIMIT_NICE"] = 13,
        ["RLIMIT_RTPRIO"] = 14,
        ["RLIMIT_RTTIME"] = 15,
    };

    public static unsafe void Apply(Spec spec)
    {
        var process = spec.Process;
        var limits = stackalloc ulong[2];
        foreach (var r in process?.Rlimits ?? [])
        {
            if (!Rlimits.TryGetValue(r.Type, out var resource))
            {
                throw new InvalidDataException($"process.rlimits: unknown limit {r.Type}");
            }
            limits[0] = r.Soft;
            limits[1] = r.Hard;
            Check(Privileges.SetRlimit(resource, limits), $"setrlimit {r.Type}");
        }
        Check(Libc.Prctl(Libc.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "set no_new_privs");
        DropBoundingSet();
        // While it still has CAP_SETPCAP; its capabilities go after setresuid, which every thread runs.
        OnTheFinalizerThread(DropBoundingSet);
        var user = process?.User ?? new User();
        var groups = (user.AdditionalGids ?? []).ToArray();
        fixed (uint* g = groups)
        {
            Check(Privileges.SetGroups((nuint)groups.Length, g), "setgroups");
        }
        Check(Privileges.SetResGid(user.Gid, user.Gid, user.Gid), $"setresgid {user.Gid}");
        Check(Privileges.SetResUid(user.Uid, user.Uid, user.Uid), $"setresuid {user.Uid}");
        Check(Privileges.ClearCapabilities(), "clear capabilities");
        // Changing credentials makes the process non-dumpable, which hands /proc/self to root; the WASI
        // host reopens the preopened directories through /proc/self/fd, so take it back.
        Check(Libc.Prctl(Libc.PR_SET_DUMPABLE, 1, 0, 0, 0), "set dumpable");
        OnTheFinalizerThread(() => Check(Privileges.ClearCapabilities(), "clear the finalizer thread's capabilities"));
    }

    /// <summary>The bounding set is per thread: empties the calling thread's.</summary>
    private static void DropBoundingSet()
    {
        for (nuint cap = 0; cap < 64; cap++)
        {
            if (Libc.Prctl(Libc.PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && Libc.Errno == Errno.EINVAL)
            {
                break; // past the last capability this kernel knows
            }
        }
    }

    // Capabilities and the bounding set are per thread, and the runtime starts its finalizer thread before Main:
    // it kept uid 0's full sets (setresuid clears capabilities on every thread only for a non-zero uid, and never
    // the bounding set). No thread can change another's, so the finalizer thread drops its own, in a finalizer.
    private static Action? _onFinalizer;
    private static Exception? _finalizerError;

    private static void OnTheFinalizerThread(Action drop)
    {
        _onFinalizer = drop;
        _finalizerError = null;
        AbandonDropper();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        if (_finalizerError is { } e)
        {
            throw e;
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void AbandonDropper() => _ = new FinalizerThreadDrop();

    private sealed class FinalizerThreadDrop
    {
        ~FinalizerThreadDrop()
        {
            try
            {
                _onFinalizer?.Invoke();
            }
            catch (IOException e)
            {
                _finalizerError = e;
            }
        }
    }

    private static void Check(int rc, string what)
    {
        if (rc != 0)
        {
            throw Libc.IoError($"cannot drop privileges ({what})", Libc.Errno);
        }
    }
}
