using System.Runtime.InteropServices;
using System.Text;
using Wasmcell.Cell.Protocol;
using Wasmcell.Linux;
using Wasmcell.Oci.RuntimeSpec;
using Wasmcell.Runtime;
using Wasmcell.Runtime.Components;
using Wasmcell.Runtime.Components.Http;
using Wasmcell.Runtime.Components.Http.Server;

namespace Wasmcell.Cell;

/// <summary>
/// The cell: one Wasm container's process. Everything that can fail is done before it reports ready,
/// so the error reaches `ctr`/CRI at create. The guest runs on the main thread, which is the thread
/// that joined the pod's network namespace (setns affects only the calling thread).
/// </summary>
public static class CellMain
{
    // How long a SIGTERM'd guest blocked in a host call gets before the cell exits anyway.
    private static readonly TimeSpan StopGrace = TimeSpan.FromMilliseconds(250);

    public static int Run(IReadOnlyList<string> args)
    {
        CellLaunch launch;
        try
        {
            launch = CellLaunch.FromArgs(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        // Phase times go back to the shim with "OK" and into containerd's log: the cell's own start cost.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        string sandbox;
        try
        {
            sandbox = CellSandbox.Report();
        }
        catch (NotSupportedException e)
        {
            Report(CellStatus.Error + e.Message);
            return ExitCodes.LoadFailed;
        }
        using var engine = new WasmEngine();
        var engineMs = clock.Elapsed.TotalMilliseconds;
        Spec oci;
        CellSpec spec;
        Wasmtime.Module? module = null;
        LoadedComponent? component = null;
        IReadOnlyList<System.Net.Sockets.Socket> proxyListeners = [];
        ContainerRootfs rootfs;
        var cache = OpenCache();
        var (moduleMs, seccompMs) = (0.0, 0.0);
        try
        {
            oci = SpecLoader.Load(Path.Join(launch.Bundle, "config.json"));
            rootfs = ContainerRootfs.Open(launch.Rootfs);
            component = CellFeatures.Components ? LoadComponent(engine, launch, rootfs, cache) : RefuseComponent(launch, rootfs);
            module = component is null ? LoadModule(engine, launch, rootfs, cache) : null;
            moduleMs = clock.Elapsed.TotalMilliseconds - engineMs;
            spec = CellSpecBuilder.Build(oci, launch, rootfs);
            if (CellFeatures.Components && component is ProxyComponent proxy)
            {
                // Listening needs socket() and bind(): before the seccomp filter, in the container's network namespace.
                proxyListeners = ProxyServing.Listeners(oci, spec);
                proxy.MemoryLimitBytes = spec.MemoryLimitBytes;
                ProxyServing.PrepareTls();
            }
            JoinMemoryCgroup(launch);
            var before = clock.Elapsed.TotalMilliseconds;
            // Last: from here on every thread, the runtime's included, runs under the filters.
            CellSeccomp.Apply(oci, spec.AllowSocketExtension);
            seccompMs = clock.Elapsed.TotalMilliseconds - before;
        }
        catch (Exception e) when (e is ModuleLoadException or InvalidDataException or IOException or NotSupportedException
            or UnauthorizedAccessException or ArgumentException or System.Net.Sockets.SocketException)
        {
            Report(CellStatus.Error + e.Message);
            return ExitCodes.LoadFailed;
        }

        var runner = new CellRunner(engine);
        var started = 0;
        Report(CellStatus.Ready + FormattableString.Invariant(
            $" ready in {clock.Elapsed.TotalMilliseconds:0.0} ms ({sandbox} before the runtime, engine {engineMs:0.0} ms, module {moduleMs:0.0} ms, seccomp {seccompMs:0.00} ms)")
            + (cache?.Misses > 0 ? CellStatus.CacheMiss : cache?.LastHitKey is { } key ? CellStatus.CacheHit + key : ""));
        // After "OK": the first registration starts .NET's signal thread, which Create need not wait for. A
        // SIGTERM before this point ends the process by the default action, the status Wait reports anyway (143).
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => OnStopSignal(ctx, runner, ref started, 15));
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => OnStopSignal(ctx, runner, ref started, 2));

        Span<byte> one = stackalloc byte[1];
        int n;
        try
        {
            n = Libc.ReadSome(CellLaunch.BarrierFd, one);
        }
        catch (IOException)
        {
            n = 0;
        }
        Libc.Close(CellLaunch.BarrierFd);
        if (n == 0)
        {
            // The shim closed the barrier without Start (Delete of a created task).
            return 0;
        }
        Interlocked.Exchange(ref started, 1);
#if CELL_PROBE
        if (SandboxProbe.IsRequested(oci))
        {
            var probed = SandboxProbe.Run(oci);
            ReleaseStdio();
            Report(CellStatus.ExitLine(probed));
            return probed;
        }
#endif
        if (CellFeatures.Components && component is ProxyComponent served)
        {
            var code = Serve(served, spec, proxyListeners);
            ReleaseStdio();
            Report(CellStatus.ExitLine(code));
            return code;
        }
        var outcome = CellFeatures.Components && component is CommandComponent command ? runner.Run(command, spec) : runner.Run(module!, spec);
        if (outcome.TrapMessage is { } message)
        {
            WriteStderr($"{launch.Entry}: {message}\n");
        }
        // Readers of the container's output see EOF now, and the shim reports the exit without waiting for
        // this process's teardown.
        ReleaseStdio();
        Report(CellStatus.ExitLine(outcome.ExitCode));
        return outcome.ExitCode;
    }

    /// <summary>
    /// The cell was born in its cgroup's other hierarchies; it joins memory now that its own start-up (the
    /// runtime, Wasmtime, the module) is done, so only what the guest does from here on is charged to the
    /// container. "0" moves this thread, the thread group leader, which is whom the kernel charges the
    /// process's memory to, and needs no global cgroup lock. The sandbox opened the `tasks` file while it was
    /// still root; the kernel checks the opener's credentials, so the unprivileged cell can still write it.
    /// </summary>
    private static void JoinMemoryCgroup(CellLaunch launch)
    {
        if (launch.MemoryTasks is not { } tasks)
        {
            return;
        }
        try
        {
            Libc.WriteAll(CellLaunch.MemoryTasksFd, "0"u8);
        }
        catch (IOException e)
        {
            throw new IOException($"cannot join the container's memory cgroup ({tasks}): {e.Message}", e);
        }
        finally
        {
            Libc.Close(CellLaunch.MemoryTasksFd);
        }
    }

    /// <summary>
    /// Serves a proxy component until SIGTERM/SIGINT, then drains: 0 when every request in flight finished, 143 when
    /// the drain timed out and cut the rest (README "HTTP proxy components").
    /// </summary>
    private static int Serve(ProxyComponent proxy, CellSpec spec, IReadOnlyList<System.Net.Sockets.Socket> listeners)
    {
        var server = new HttpServer(proxy, listeners, ProxyServing.Environment(spec));
        Volatile.Write(ref s_server, server);
        ProxyServing.Announce(listeners);
        return server.Run() ? 0 : ExitCodes.Terminated;
    }

    // The proxy's server once serving: a stop signal drains it instead of stopping a guest.
    private static HttpServer? s_server;

    /// <summary>The entrypoint as a component (command or proxy), or null when it is not a component (a module or bad input).</summary>
    private static LoadedComponent? LoadComponent(WasmEngine engine, CellLaunch launch, ContainerRootfs rootfs, Runtime.Cache.PrecompileCache? cache)
    {
        using var stream = rootfs.OpenFile(launch.Entry);
        var fdPath = $"/proc/self/fd/{stream.SafeFileHandle.DangerousGetHandle()}";
        if (!ComponentLoader.IsComponentFile(fdPath))
        {
            return null;
        }
        if (launch.Function is not null)
        {
            throw new ModuleLoadException($"{launch.Entry} is a WebAssembly component, which runs its wasi:cli/run export; '#{launch.Function}' entrypoints apply to core modules only");
        }
        return ComponentLoader.LoadFile(engine, launch.Entry, fdPath, cache);
    }

    /// <summary>The core-module cell has no component code: a component reaching it is the daemon's mistake, said plainly.</summary>
    private static LoadedComponent? RefuseComponent(CellLaunch launch, ContainerRootfs rootfs)
    {
        using var stream = rootfs.OpenFile(launch.Entry);
        return ComponentLoader.IsComponentFile($"/proc/self/fd/{stream.SafeFileHandle.DangerousGetHandle()}")
            ? throw new ModuleLoadException($"{launch.Entry} is a WebAssembly component, and this cell binary runs core modules only; the shim runs components in its component cell")
            : null;
    }

    internal static Wasmtime.Module LoadModule(WasmEngine engine, CellLaunch launch, ContainerRootfs rootfs, Runtime.Cache.PrecompileCache? cache)
    {
        // Opened inside the rootfs (openat2), then read through /proc/self/fd: the cache can stat and
        // read it without ever resolving a container-controlled path on the host.
        using var stream = rootfs.OpenFile(launch.Entry);
        var fdPath = $"/proc/self/fd/{stream.SafeFileHandle.DangerousGetHandle()}";
        var module = ModuleLoader.LoadFile(engine, launch.Entry, fdPath, cache);
        try
        {
            // A module without its entry export fails here, at create, rather than at start.
            ModuleLoader.CheckEntry(launch.Entry, module, launch.Function ?? "_start");
        }
        catch
        {
            module.Dispose();
            throw;
        }
        return module;
    }

    /// <summary>
    /// The shared precompile cache, read-only in the cell's root (a miss is compiled by the daemon's
    /// <see cref="CellLaunch.PrecompileMode"/> process, see <see cref="Precompile"/>); WASMCELL_PRECOMPILE_DIR
    /// moves it, "off" disables it.
    /// </summary>
    internal static Runtime.Cache.PrecompileCache? OpenCache(bool writable = false)
    {
        var dir = CellEnvironment.PrecompileDirectory(Environment.GetEnvironmentVariable);
        if (dir is null)
        {
            return null;
        }
        try
        {
            return writable ? new Runtime.Cache.PrecompileCache(dir) : Runtime.Cache.PrecompileCache.OpenReadOnly(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// __precompile NAME [shared]: compiles the module on <see cref="CellLaunch.ModuleFd"/> (the daemon read it inside the
    /// container's rootfs) into the cache, for the engine of an independent cell or of a shared one, inside a sandbox
    /// of its own whose root holds only the cache, writable (CellSandboxPlan.ForPrecompile). It runs no guest code.
    /// </summary>
    public static int Precompile(IReadOnlyList<string> args)
    {
        if (args.Count is not (2 or 3) || (args.Count == 3 && args[2] != CellLaunch.PrecompileForSharedCell))
        {
            Console.Error.WriteLine($"usage: __precompile NAME [{CellLaunch.PrecompileForSharedCell}] (the module on fd 6)");
            return 2;
        }
        try
        {
            CellSandbox.Report();
            var cache = OpenCache(writable: true) ?? throw new IOException("no precompile cache to write");
            var bytes = File.ReadAllBytes($"/proc/self/fd/{CellLaunch.ModuleFd}");
            using var engine = WasmEngine.For(sharedCell: args.Count == 3);
            cache.Warm(engine.Engine, engine.ConfigFingerprint, bytes, args[1]);
            return 0;
        }
        catch (Exception e) when (e is NotSupportedException or IOException or UnauthorizedAccessException or Wasmtime.WasmtimeException)
        {
            Console.Error.WriteLine($"precompile {args[1]}: {e.Message}");
            return ExitCodes.LoadFailed;
        }
    }

    private static void OnStopSignal(PosixSignalContext ctx, CellRunner runner, ref int started, int signal)
    {
        ctx.Cancel = true;
        if (Volatile.Read(ref started) == 0)
        {
            Environment.Exit(128 + signal);
        }
        if (CellFeatures.Components && Volatile.Read(ref s_server) is { } server)
        {
            server.Stop();
            // The drain has its own timeout; this only guards against a request that ignores being cut.
            StartExitTimer(server.Options.DrainTimeout + TimeSpan.FromSeconds(5), signal);
            return;
        }
        runner.Stop();
        // A guest blocked in a host call the WASI implementation cannot interrupt still ends promptly.
        StartExitTimer(StopGrace, signal);
    }

    private static void StartExitTimer(TimeSpan after, int signal)
    {
        var timer = new Thread(() =>
        {
            Thread.Sleep(after);
            Environment.Exit(128 + signal);
        })
        { IsBackground = true };
        timer.Start();
    }

    /// <summary>One line on the status channel (CellStatus); it stays open for the next until the process exits.</summary>
    internal static void Report(string line)
    {
        try
        {
            Libc.WriteAll(CellLaunch.StatusFd, Encoding.UTF8.GetBytes(line + "\n"));
        }
        catch (IOException)
        {
            // The shim is gone; nobody waits for the line.
        }
    }

    /// <summary>Points fds 0-2 at /dev/null, dropping this process's hold on the container's FIFOs.</summary>
    private static void ReleaseStdio()
    {
        var devNull = Libc.Open("/dev/null", Libc.O_RDWR | Libc.O_CLOEXEC, 0);
        if (devNull < 0)
        {
            return;
        }
        for (var fd = 0; fd <= 2; fd++)
        {
            Libc.Dup2(devNull, fd);
        }
        Libc.Close(devNull);
    }

    private static void WriteStderr(string text)
    {
        try
        {
            Libc.WriteAll(2, Encoding.UTF8.GetBytes(text));
        }
        catch (IOException)
        {
        }
    }
}
