namespace Wasmcell.Emscripten;

/// <summary>
/// The fixed memory layout of an Emscripten 1.38 fastcomp module (docs/emscripten-abi/ABI.md §A.3). Nothing is
/// read from the module: its JS glue, which held these numbers, is not part of the image. STATIC_BUMP is the
/// constant wasmer used; for the seed's nginx it provably clears every static address the code uses (highest
/// 215,527).
/// </summary>
internal static class EmscriptenLayout
{
    public const int WasmPageSize = 65536;
    public const int GlobalBase = 1024;
    public const int StaticBump = 215_536;
    public const int StaticTop = GlobalBase + StaticBump;             // 216,560
    public const int TempDoublePtr = StaticTop;                       // 216,560, 16 bytes of scratch
    public const int DynamicTopPtr = TempDoublePtr + 16;              // 216,576, the brk cell
    public const int StackTop = (DynamicTopPtr + 4 + 15) & ~15;       // 216,592, grows upward
    public const int TotalStack = 5 * 1024 * 1024;
    public const int StackMax = StackTop + TotalStack;                // 5,459,472
    public const int DynamicBase = (StackMax + 15) & ~15;             // first sbrk byte

    /// <summary>musl's errno in the seed's nginx; other modules are asked through ___errno_location.</summary>
    public const int DefaultErrnoAddress = 215_412;

    /// <summary>What the module's getpagesize sees: emscripten's JS PAGE_SIZE (and mmap2's alignment).</summary>
    public const int PageSize = 16384;

    /// <summary>The guest's fd_set is 1024 bits; its RLIMIT_NOFILE matches the shared fd table's capacity.</summary>
    public const int MaxFds = 1024;
}
