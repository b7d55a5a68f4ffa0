using Wasmcell.Wasi.Abi;

namespace Wasmcell.Wasi.Groups;

/// <summary>proc_exit, proc_raise, sched_yield.</summary>
internal static partial class Proc
{
    /// <summary>proc_exit(rval). Never returns: records the code and unwinds the guest as a trap.</summary>
    public static void ProcExit(WasiHost h, int code)
    {
        h.SetExitCode(code);
        throw new WasiExitException(code);
    }

    /// <summary>proc_raise(sig): signals are not delivered to guests.</summary>
    /// <returns>NotSup always.</returns>
    public static Errno ProcRaise(WasiHost h, int signal)
    {
        _ = h; _ = signal;
        return Errno.NotSup;
    }

    /// <summary>sched_yield().</summary>
    public static Errno SchedYield(WasiHost h)
    {
        h.Stop.ThrowIfStopped();
        Libc.SchedYield();
        return Errno.Success;
    }
}
