using Wasmtime;

namespace Wasmcell.Emscripten;

/// <summary>
/// The guest exports the host calls back into (ABI.md §A "Exports the host calls"): allocation for results the
/// host hands out (getenv, localtime, mmap2), the stack for argv and llvm_stacksave/restore, and dynCall_* for
/// signal handlers. Calling them from inside an import is fine: the guest is single-threaded and ___lock is a no-op.
/// </summary>
internal sealed class GuestExports
{
    private readonly Func<int, int>? _malloc;
    private readonly Func<int, int, int>? _memalign;
    private readonly Func<int, int>? _stackAlloc;
    private readonly Func<int>? _stackSave;
    private readonly Action<int>? _stackRestore;
    private readonly Action<int, int, int, int>? _dynCallViii;
    private readonly Action<int, int>? _dynCallVi;

    public GuestExports(Instance instance)
    {
        _malloc = instance.GetFunction<int, int>("_malloc");
        _memalign = instance.GetFunction<int, int, int>("_memalign");
        _stackAlloc = instance.GetFunction<int, int>("stackAlloc");
        _stackSave = instance.GetFunction<int>("stackSave");
        _stackRestore = instance.GetAction<int>("stackRestore");
        _dynCallViii = instance.GetAction<int, int, int, int>("dynCall_viii");
        _dynCallVi = instance.GetAction<int, int>("dynCall_vi");
    }

    /// <summary>0 (NULL) when the guest is out of memory or has no allocator.</summary>
    public int Malloc(int size) => _malloc?.Invoke(size) ?? 0;

    public int Memalign(int alignment, int size) => _memalign?.Invoke(alignment, size) ?? 0;

    public int StackAlloc(int size) => (_stackAlloc ?? throw Missing("stackAlloc"))(size);

    public int StackSave() => (_stackSave ?? throw Missing("stackSave"))();

    public void StackRestore(int top) => (_stackRestore ?? throw Missing("stackRestore"))(top);

    public void DynCallViii(int fp, int a, int b, int c) => (_dynCallViii ?? throw Missing("dynCall_viii"))(fp, a, b, c);

    public void DynCallVi(int fp, int a) => (_dynCallVi ?? throw Missing("dynCall_vi"))(fp, a);

    private static EmscriptenAbortException Missing(string name) => new($"the module does not export '{name}', which this call needs");
}
