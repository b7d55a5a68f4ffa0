using Wasmcell.Wasi.Abi;
using Wasmcell.Wasi.Sys;

namespace Wasmcell.Wasi.Groups;

/// <summary>clock_res_get / clock_time_get.</summary>
internal static partial class Clock
{
    /// <summary>clock_res_get(id, *resolution).</summary>
    /// <returns>Inval for an unknown clock id. https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#clock_res_get</returns>
    public static Errno ClockResGet(WasiHost h, int id, int resolution)
    {
        if ((uint)id > 3)
        {
            return Errno.Inval;
        }

        h.Memory.WriteU64(resolution, (ulong)Clocks.Resolution(id));
        return Errno.Success;
    }

    /// <summary>clock_time_get(id, precision, *time). Precision is a hint and ignored.</summary>
    /// <returns>Inval for an unknown clock id.</returns>
    public static Errno ClockTimeGet(WasiHost h, int id, long precision, int time)
    {
        _ = precision;
        if ((uint)id > 3)
        {
            return Errno.Inval;
        }

        h.Memory.WriteU64(time, (ulong)Clocks.Now(id));
        return Errno.Success;
    }
}
