using Wasmcell.Wasi.Abi;

namespace Wasmcell.Emscripten;

/// <summary>Reading a syscall's argument words and the guest's C strings (ABI.md §C.1).</summary>
internal static class GuestArgs
{
    /// <summary>PATH_MAX of the guest: a longer path (or one without a NUL within it) is ENAMETOOLONG.</summary>
    public const int PathMax = 4096;

    /// <summary>Word `index` of `varargs`: musl passes every argument as one 32-bit word.</summary>
    public static int Arg(this EmscriptenHost h, int varargs, int index) => (int)h.Memory.ReadU32(varargs + (index * 4));

    /// <summary>The bytes of the NUL-terminated string at `ptr`, without the NUL; null when it is longer than `max`.</summary>
    public static byte[]? CString(this EmscriptenHost h, int ptr, int max = PathMax)
    {
        var available = (int)Math.Min(max + 1, (uint)h.MemoryBytes - (uint)ptr);
        if ((uint)ptr >= (uint)h.MemoryBytes || available <= 0)
        {
            throw new Wasi.Sys.GuestMemoryFault();
        }
        var span = h.Memory.Span(ptr, available);
        var end = span.IndexOf((byte)0);
        return end < 0 ? null : span[..end].ToArray();
    }

    /// <summary>A path argument: its bytes, or the errno to answer (EFAULT is thrown as a fault).</summary>
    public static Errno Path(this EmscriptenHost h, int ptr, out byte[] path)
    {
        path = h.CString(ptr) ?? [];
        return path.Length == 0 ? (h.CString(ptr) is null ? Errno.NameTooLong : Errno.NoEnt) : Errno.Success;
    }
}
