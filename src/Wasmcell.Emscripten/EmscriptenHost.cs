using System.Text;
using Wasmcell.Wasi;
using Wasmcell.Wasi.Sys;
using Wasmtime;

namespace Wasmcell.Emscripten;

/// <summary>
/// The Emscripten 1.38 host of one guest instance (docs/emscripten-abi/ABI.md). It runs over a
/// <see cref="WasiHost"/> that holds only stdio: the same bounded fd table, guest-memory access and stop signal
/// as WASI guests, so confinement (openat2 beneath the preopens), blocking and stopping behave the same.
/// Define on a Linker serving only this store, instantiate, then <see cref="RunMain"/>.
/// </summary>
public sealed unsafe class EmscriptenHost : IDisposable
{
    private readonly WasiHost _wasi;
    private readonly string[] _args;
    private readonly Dictionary<int, SignalAction> _signals = new();
    private GuestExports? _exports;
    private int _errnoAddress = EmscriptenLayout.DefaultErrnoAddress;
    private bool _terminationDelivered;
    private volatile int _terminationHandler;

    /// <summary>
    /// The same options as a WASI guest's, read the same way (default-deny): args, env, stdio, and the preopens as
    /// directories paths resolve beneath ("." the cwd for relative paths, "/" the rootfs, other absolute names the
    /// mounts). <see cref="WasiOptions.AllowSocketExtension"/> lets socketcall create sockets; preopened listeners
    /// are a WASI notion and not handed over.
    /// </summary>
    public EmscriptenHost(WasiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _args = options.Args.Count > 0 ? options.Args.ToArray() : ["main"];
        Env = options.Env.ToArray();
        AllowSockets = options.AllowSocketExtension;
        _wasi = new WasiHost(new WasiOptions { Stdin = options.Stdin, Stdout = options.Stdout, Stderr = options.Stderr });
        try
        {
            Dirs = new GuestDirectories(options.Preopens);
            Stdio = new StdioOriginals(_wasi.Fds);
        }
        catch
        {
            Dirs?.Dispose();
            _wasi.Dispose();
            throw;
        }
    }

    internal FdTable Fds => _wasi.Fds;
    internal GuestMemory Memory => _wasi.Memory;
    internal StopSignal Stop => _wasi.Stop;
    internal GuestDirectories Dirs { get; }
    internal StdioOriginals Stdio { get; }
    internal string[] Env { get; }
    internal bool AllowSockets { get; }
    internal GuestExports Exports => _exports ?? throw new InvalidOperationException("the guest is not instantiated yet");
    internal Dictionary<string, int> GetenvResults { get; } = new(StringComparer.Ordinal);
    internal int LocaltimeBuffer { get; set; }
    internal int Umask { get; set; } = 0x12; // 022

    /// <summary>The size of the guest's memory, which never grows (enlargeMemory answers 0).</summary>
    internal int MemoryBytes { get; private set; }

    /// <summary>The status passed to `_exit`, or null while the guest has not called it.</summary>
    public int? ExitCode => _wasi.ExitCode;

    /// <summary>Whether the guest installed a handler for SIGTERM: a stop then runs it instead of aborting the guest.</summary>
    public bool HandlesTermination => _terminationHandler > 1;

    /// <summary>
    /// Creates the imported memory, table and globals (ABI.md §A: sizes from the module's own import limits,
    /// layout constants, DYNAMICTOP_PTR's cell written before instantiation) and every function import.
    /// </summary>
    public void Define(Linker linker, Store store, Module module)
    {
        ArgumentNullException.ThrowIfNull(linker);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(module);
        var memoryImport = module.Imports.OfType<MemoryImport>().SingleOrDefault()
            ?? throw new InvalidOperationException("an Emscripten module imports its memory; this one imports none");
        var tableImport = module.Imports.OfType<TableImport>().SingleOrDefault();
        var memory = new Memory(store, memoryImport.Minimum, memoryImport.Maximum ?? memoryImport.Minimum);
        Memory.Bind(memory);
        MemoryBytes = (int)Math.Min(int.MaxValue, memory.GetLength());
        Memory.WriteU32(EmscriptenLayout.DynamicTopPtr, EmscriptenLayout.DynamicBase);
        linker.Define("env", "memory", memory);
        if (tableImport is not null)
        {
            linker.Define("env", "table", new Table(store, TableKind.FuncRef, null, tableImport.Minimum, tableImport.Maximum));
        }
        foreach (var (name, value) in EmscriptenImports.Globals)
        {
            linker.Define("env", name, new Global(store, ValueKind.Int32, value, Mutability.Immutable));
        }
        linker.Define("global", "NaN", new Global(store, ValueKind.Float64, double.NaN, Mutability.Immutable));
        linker.Define("global", "Infinity", new Global(store, ValueKind.Float64, double.PositiveInfinity, Mutability.Immutable));
        EmscriptenImports.Define(this, linker, module);
    }

    /// <summary>
    /// Runs the constructors, then `_main(argc, argv)` (ABI.md §A.6-8); returns main's result. `_exit` unwinds
    /// out of here as a Wasmtime exception with <see cref="ExitCode"/> set.
    /// </summary>
    public int RunMain(Instance instance)
    {
        Attach(instance);
        instance.GetAction("globalCtors")?.Invoke();
        instance.GetAction("___emscripten_environ_constructor")?.Invoke();
        var main = instance.GetFunction<int, int, int>(EmscriptenModule.MainExport)
            ?? throw new InvalidOperationException($"the module exports no '{EmscriptenModule.MainExport}'");
        return main(_args.Length, WriteArgv());
    }

    /// <summary>Binds the instance's exports the imports call back into (allocation, stack, dynCall, errno).</summary>
    internal void Attach(Instance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        _exports = new GuestExports(instance);
        if (instance.GetFunction<int>("___errno_location") is { } errnoLocation)
        {
            _errnoAddress = errnoLocation();
        }
    }

    // argv lives on the guest stack below every later frame (the stack grows upward), for the whole run.
    private int WriteArgv()
    {
        var array = Exports.StackAlloc((_args.Length + 1) * 4);
        for (var i = 0; i < _args.Length; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(_args[i]);
            var p = Exports.StackAlloc(bytes.Length + 1);
            bytes.CopyTo(Memory.Span(p, bytes.Length));
            Memory.WriteU8(p + bytes.Length, 0);
            Memory.WriteU32(array + (i * 4), (uint)p);
        }
        Memory.WriteU32(array + (_args.Length * 4), 0);
        return array;
    }

    /// <summary>
    /// Ends the guest: blocking calls return at once. A guest with a SIGTERM handler gets it run from the wait it
    /// is in (nginx then exits cleanly through `_exit(0)`); any other guest traps out of its next blocking call.
    /// Safe from any thread.
    /// </summary>
    public void RequestStop() => _wasi.RequestStop();

    /// <summary>libc-style failure: errno in guest memory, then the caller returns -1 or NULL.</summary>
    internal int Fail(LinuxErrno errno)
    {
        Memory.WriteU32(_errnoAddress, (uint)errno);
        return -1;
    }

    internal void SetErrno(int value) => Memory.WriteU32(_errnoAddress, (uint)value);

    internal void SetExitCode(int code) => _wasi.SetExitCode(code);

    internal SignalAction SignalAction(int signal) => _signals.TryGetValue(signal, out var a) ? a : default;

    internal void SetSignalAction(int signal, SignalAction action)
    {
        _signals[signal] = action;
        if (signal == Signals.SIGTERM)
        {
            // Read by the stopping thread (HandlesTermination), the dictionary only by the guest's.
            _terminationHandler = action.Handler;
        }
    }

    /// <summary>
    /// Called by a wait that the stop signal ended: runs the guest's SIGTERM handler once and answers EINTR, as
    /// a signal arriving in select would. Without a handler the stop propagates and the guest is aborted.
    /// </summary>
    internal int DeliverTermination(WasiStoppedException stop)
    {
        var action = SignalAction(Signals.SIGTERM);
        if (_terminationDelivered || action.Handler <= 1 || _exports is null)
        {
            throw stop;
        }
        _terminationDelivered = true;
        if ((action.Flags & Signals.SA_SIGINFO) != 0)
        {
            Exports.DynCallViii(action.Handler, Signals.SIGTERM, 0, 0);
        }
        else
        {
            Exports.DynCallVi(action.Handler, Signals.SIGTERM);
        }
        return -(int)LinuxErrno.EINTR;
    }

    /// <summary>Whether a stop was requested and its handler already ran (the guest is on its way out).</summary>
    internal bool TerminationDelivered => _terminationDelivered;

    public void Dispose()
    {
        Stdio.Dispose();
        Dirs.Dispose();
        _wasi.Dispose();
    }
}

/// <summary>A handler registered with sigaction: the guest function pointer (0 = SIG_DFL, 1 = SIG_IGN) and sa_flags.</summary>
internal readonly record struct SignalAction(int Handler, int Flags);

/// <summary>Signal numbers and flags of the guest (ABI.md §E, Linux i386 numbering).</summary>
internal static class Signals
{
    public const int SIGTERM = 15, SA_SIGINFO = 4;
}
