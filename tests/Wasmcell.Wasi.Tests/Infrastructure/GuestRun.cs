using Wasmtime;

namespace Wasmcell.Wasi.Tests.Infrastructure;

/// <summary>Result of running a module's _start under a WasiHost.</summary>
internal sealed record GuestResult(int ExitCode, string Stdout, string Stderr, string? Trap);

/// <summary>
/// Runs a module the way a cell does: one Store and Linker per instance, the host defined on
/// them, `_start` called; stdout/stderr go to temp files that are read back afterwards.
/// </summary>
internal static class GuestRun
{
    public static readonly Engine Engine = new();

    public static GuestResult Run(string wasmPath, WasiOptions options, Action<WasiHost>? whileRunning = null)
    {
        using var module = Module.FromFile(Engine, wasmPath);
        return Run(module, options, whileRunning);
    }

    public static GuestResult Run(Module module, WasiOptions options, Action<WasiHost>? whileRunning = null)
    {
        var dir = Directory.CreateTempSubdirectory("wasi-out-").FullName;
        try
        {
            string outPath = System.IO.Path.Combine(dir, "stdout"), errPath = System.IO.Path.Combine(dir, "stderr");
            int exit;
            string? trap = null;
            using (var stdout = File.OpenHandle(outPath, FileMode.Create, FileAccess.Write))
            using (var stderr = File.OpenHandle(errPath, FileMode.Create, FileAccess.Write))
            {
                options.Stdout ??= stdout;
                options.Stderr ??= stderr;
                (exit, trap) = RunToExit(module, options, whileRunning);
            }
            return new GuestResult(exit, File.ReadAllText(outPath), File.ReadAllText(errPath), trap);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Exit code: proc_exit's, 0 when _start returns; a trap is reported as exit -1 with its message.</summary>
    public static (int Exit, string? Trap) RunToExit(Module module, WasiOptions options, Action<WasiHost>? whileRunning = null)
    {
        using var host = new WasiHost(options);
        using var linker = new Linker(Engine);
        using var store = new Store(Engine);
        host.Define(linker, store, module);
        Task? side = whileRunning is null ? null : Task.Run(() => whileRunning(host));
        try
        {
            // Instantiation runs the module's start section, which may already call proc_exit.
            var instance = linker.Instantiate(store, module);
            var start = instance.GetAction("_start") ?? throw new InvalidOperationException("no _start");
            start();
            return (host.ExitCode ?? 0, null);
        }
        catch (WasmtimeException ex)
        {
            if (host.ExitCode is int code)
            {
                return (code, null);
            }

            return (-1, ex.Message);
        }
        finally
        {
            side?.Wait();
        }
    }
}
