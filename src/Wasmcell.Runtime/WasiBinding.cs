using Microsoft.Win32.SafeHandles;
using Wasmcell.Wasi;
using Wasmtime;

namespace Wasmcell.Runtime;

/// <summary>
/// The single place that gives a store its WASI implementation: the project's own preview1 host
/// (Wasmcell.Wasi), which also serves wasi_unstable, sockets and interruptible blocking calls.
/// Stdio the spec leaves null is the cell process's own fd 0/1/2 (the container's stdio).
/// </summary>
internal sealed class WasiBinding : IDisposable
{
    private readonly WasiHost _host;

    private WasiBinding(WasiHost host) => _host = host;

    /// <summary>The guest's proc_exit code, once it called proc_exit.</summary>
    public int? ExitCode => _host.ExitCode;

    public static WasiBinding Bind(Linker linker, Store store, Module module, CellSpec spec)
    {
        var host = new WasiHost(OptionsOf(spec));
        try
        {
            host.Define(linker, store, module);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return new WasiBinding(host);
    }

    /// <summary>What the spec gives a guest, as host options (the Emscripten host takes the same).</summary>
    internal static WasiOptions OptionsOf(CellSpec spec)
    {
        var options = new WasiOptions
        {
            Stdin = spec.Stdin ?? Inherited(0),
            Stdout = spec.Stdout ?? Inherited(1),
            Stderr = spec.Stderr ?? Inherited(2),
            AllowSocketExtension = spec.AllowSocketExtension,
        };
        options.Args.AddRange(spec.Args);
        options.Env.AddRange(spec.Env);
        options.Preopens.AddRange(spec.Preopens);
        options.Listeners.AddRange(spec.Listeners);
        return options;
    }

    // Not owned: the host dups it, the cell process keeps its own stdio.
    private static SafeFileHandle Inherited(int fd) => new(fd, ownsHandle: false);

    /// <summary>Ends blocking host calls (stdin, sockets, poll_oneoff) within milliseconds; the guest then traps.</summary>
    public void RequestStop() => _host.RequestStop();

    public void Dispose() => _host.Dispose();
}
