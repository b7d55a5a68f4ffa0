using System.Security.Cryptography;
using Wasmcell.Wasi.Abi;

namespace Wasmcell.Wasi.Groups;

/// <summary>random_get.</summary>
internal static partial class Random
{
    /// <summary>random_get(buf, len): fills from the OS CSPRNG.</summary>
    /// <returns>Fault when the buffer is out of bounds.</returns>
    public static Errno RandomGet(WasiHost h, int buf, int len)
    {
        RandomNumberGenerator.Fill(h.Memory.Span(buf, len));
        return Errno.Success;
    }
}
