using Wasmtime;

namespace Wasmcell.Runtime;

/// <summary>
/// The single place that gives a store its WASI implementation. For now this is Wasmtime's built-in
/// preview1 (stdio inherited from the cell process, whose fd 0/1/2 are the container's stdio);
/// the project's own host (Wasmcell.Wasi) replaces it here without touching callers.
/// </summary>
internal sealed class WasiBinding : IDisposable
{
    private WasiBinding()
    {
    }

    /// <summary>The guest's proc_exit code, when the WASI implementation records it outside the trap.</summary>
    public int? ExitCode => null;

    public static WasiBinding Bind(Linker linker, Store store, Module module, CellSpec spec)
    {
        if (spec.Stdin is not null || spec.Stdout is not null || spec.Stderr is not null || spec.Listeners.Count > 0)
        {
            throw new NotSupportedException("explicit stdio handles and listeners need the project's own WASI host");
        }
        linker.DefineWasi();
        var config = new WasiConfiguration()
            .WithArgs(spec.Args)
            .WithEnvironmentVariables(spec.Env.Select(SplitEnv))
            .WithInheritedStandardInput()
            .WithInheritedStandardOutput()
            .WithInheritedStandardError();
        foreach (var p in spec.Preopens)
        {
            config = config.WithPreopenedDirectory(p.HostPath, p.GuestPath, p.ReadOnly);
        }
        store.SetWasiConfiguration(config);
        return new WasiBinding();
    }

    /// <summary>Ends blocking host calls; the built-in WASI cannot, so the caller's grace timer covers it.</summary>
    public void RequestStop()
    {
    }

    public void Dispose()
    {
    }

    private static (string, string) SplitEnv(string kv)
    {
        var i = kv.IndexOf('=');
        return i < 0 ? (kv, "") : (kv[..i], kv[(i + 1)..]);
    }
}
