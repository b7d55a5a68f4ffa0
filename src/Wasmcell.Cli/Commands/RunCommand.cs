using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Wasmcell.Runtime;
using Wasmcell.Runtime.Cache;
using Wasmcell.Runtime.Components;
using Wasmcell.Runtime.Components.Http;
using Wasmcell.Runtime.Components.Http.Server;
using Wasmcell.Wasi;

namespace Wasmcell.Cli.Commands;

/// <summary>
/// <c>wasmcell run [--dir HOST[::GUEST][:ro]] [--env K=V] [--listen ADDR] MODULE [ARGS...]</c>: runs a
/// module locally with the project's WASI host (or its Emscripten 1.38 host for such modules), or a wasi:cli/command
/// component with Wasmtime's p2 WASI, or serves a wasi:http/proxy component over HTTP on its --listen addresses. Default-deny: the guest gets only the given dirs, env and listeners; the exit
/// code is the guest's (143 after SIGTERM/SIGINT, 134 on a trap; a component's is 0 or 1, all WASI 0.2 passes on).
/// Compiled code comes from the precompile cache, as in the shim, when the cache is usable by the caller.
/// </summary>
internal static class RunCommand
{
    // How long a stopped guest blocked in a host call gets before the process exits anyway (as the cell's).
    private static readonly TimeSpan StopGrace = TimeSpan.FromMilliseconds(250);

    public static Command Create()
    {
        var module = new Argument<string>("MODULE") { Description = "The .wasm (or .wat) module, wasi:cli/command component to run, or wasi:http/proxy component to serve" };
        var args = new Argument<string[]>("ARGS")
        {
            Description = "Arguments for the guest (argv[1..]; put them after -- if they start with -)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var dirs = new Option<string[]>("--dir")
        {
            Description = "Preopen HOST as GUEST (default: the same path); ':ro' makes it read-only. Repeatable",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var env = new Option<string[]>("--env")
        {
            Description = "Guest environment variable K=V (the only ones the guest sees). Repeatable",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var listen = new Option<string[]>("--listen")
        {
            Description = "Hand the guest a TCP listener on ADDR (host:port or :port), as fds after the preopens; a wasi:http/proxy component is served there (default 0.0.0.0:8080). Repeatable",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var sockets = new Option<bool>("--allow-sockets")
        {
            Description = "Let the guest open its own sockets (WasmEdge socket extension, Emscripten socketcall) and a wasi:http/proxy component make outgoing requests",
        };
        var cacheDir = new Option<string>("--cache-dir")
        {
            Description = "Precompile cache directory, 'off' for none (default: $WASMCELL_PRECOMPILE_DIR, else the shim's); skipped when this user cannot use it",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("WASMCELL_PRECOMPILE_DIR") is { Length: > 0 } dir ? dir : PrecompileCache.DefaultRoot,
        };
        var command = new Command("run", "Run a Wasm module (WASI preview1, or Emscripten 1.38 such as the seed's nginx) or a command component locally")
        {
            module, args, dirs, env, listen, sockets, cacheDir,
        };
        command.SetAction(parse => Run(
            parse.GetValue(module)!, parse.GetValue(args) ?? [], parse.GetValue(dirs) ?? [],
            parse.GetValue(env) ?? [], parse.GetValue(listen) ?? [], parse.GetValue(sockets), parse.GetValue(cacheDir)!));
        return command;
    }

    private static int Run(string modulePath, string[] guestArgs, string[] dirs, string[] env, string[] listen, bool sockets, string cacheDir)
    {
        var listeners = new List<Socket>();
        try
        {
            var preopens = dirs.Select(ParseDir).ToList();
            foreach (var e in env)
            {
                if (!e.Contains('='))
                {
                    throw new ArgumentException($"--env '{e}': expected K=V");
                }
            }

            foreach (var addr in listen)
            {
                listeners.Add(TcpListeners.Listen(addr));
            }

            using var engine = new WasmEngine();
            var cache = OpenCache(cacheDir);
            var isBinaryComponent = ComponentLoader.IsComponentFile(modulePath);
            var isText = !isBinaryComponent && IsComponentText(modulePath);
            var isComponent = isText || isBinaryComponent;
            using var component = isText ? ComponentLoader.Load(engine, modulePath, Wasmtime.Module.ConvertText(File.ReadAllText(modulePath)), cache)
                : isComponent ? ComponentLoader.LoadFile(engine, modulePath, modulePath, cache) : null;
            using var wasm = isComponent ? null : ModuleLoader.LoadFile(engine, modulePath, modulePath, cache);
            var spec = new CellSpec
            {
                ModulePath = modulePath,
                Args = [modulePath, .. guestArgs],
                Env = env,
                Preopens = preopens,
                Listeners = listeners,
                AllowSocketExtension = sockets,
            };
            if (component is ProxyComponent proxy)
            {
                return Serve(proxy, modulePath, guestArgs, env, listeners, sockets);
            }
            var runner = new CellRunner(engine);
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            var outcome = component is CommandComponent command ? runner.Run(command, spec) : runner.Run(wasm!, spec);
            if (outcome.TrapMessage is not null)
            {
                Console.Error.WriteLine(outcome.TrapMessage);
            }

            return outcome.ExitCode;

            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;
                runner.Stop();
                // A component blocked in a host call (sleep, stdin) is not interrupted by the epoch: end the process
                // as the cell does.
                var grace = new Thread(() =>
                {
                    Thread.Sleep(StopGrace);
                    Environment.Exit(ExitCodes.Terminated);
                })
                { IsBackground = true };
                grace.Start();
            }
        }
        catch (Exception e) when (e is ArgumentException or IOException or ModuleLoadException or SocketException or UnauthorizedAccessException or Wasmtime.WasmtimeException)
        {
            Console.Error.WriteLine($"wasmcell run: {e.Message}");
            return ExitCodes.LoadFailed;
        }
        finally
        {
            foreach (var l in listeners)
            {
                l.Dispose();
            }
        }
    }

    /// <summary>Component text ("(component ..."), accepted here as module text is (the shim takes binaries only).</summary>
    private static bool IsComponentText(string path)
    {
        try
        {
            Span<byte> magic = stackalloc byte[4];
            using (var stream = File.OpenRead(path))
            {
                if (stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4 && magic.SequenceEqual("\0asm"u8))
                {
                    return false; // a binary module: not text, and not worth reading line by line
                }
            }
            // The first line that is neither blank nor a ";;" comment.
            var first = File.ReadLines(path).Take(100).Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith(";;", StringComparison.Ordinal));
            return first?.StartsWith("(component", StringComparison.Ordinal) == true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Serves a wasi:http/proxy component on the --listen addresses (default 0.0.0.0:8080, as `wasmtime serve`) until
    /// SIGTERM/SIGINT, then drains: 0 when the requests in flight finished, 143 when the drain had to cut them.
    /// Outgoing requests (wasi:http/outgoing-handler) follow --allow-sockets, as a guest's own sockets do.
    /// </summary>
    private static int Serve(ProxyComponent proxy, string path, string[] guestArgs, string[] env, List<Socket> listeners, bool allowSockets)
    {
        if (listeners.Count == 0)
        {
            listeners.Add(TcpListeners.Listen("0.0.0.0:8080"));
        }
        var stdout = Console.OpenStandardOutput();
        var stderr = Console.OpenStandardError();
        var environment = new ProxyEnvironment
        {
            Args = [path, .. guestArgs],
            Env = env,
            Stdout = data => { lock (stdout) { stdout.Write(data); stdout.Flush(); } },
            Stderr = data => { lock (stderr) { stderr.Write(data); stderr.Flush(); } },
            AllowOutgoingRequests = allowSockets,
        };
        var server = new HttpServer(proxy, [.. listeners], environment);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        foreach (var listener in listeners)
        {
            Console.Error.WriteLine($"Serving HTTP on http://{listener.LocalEndPoint}/");
        }
        var drained = server.Run();
        var (requests, mean) = server.Stats;
        Console.Error.WriteLine(FormattableString.Invariant(
            $"served {requests} requests; mean per request: instantiate {mean.Instantiate.TotalMilliseconds:0.000} ms, handle {mean.Handle.TotalMilliseconds:0.000} ms (in host functions {mean.Host.TotalMilliseconds:0.000} ms)"));
        return drained ? 0 : ExitCodes.Terminated;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            server.Stop();
        }
    }

    /// <summary>
    /// The cache the shim uses: written by its owner; another user reads what root compiled into it (compiled code is
    /// executed, so no other writer is trusted) and compiles a miss without storing it. Unusable: none, as with "off".
    /// </summary>
    private static PrecompileCache? OpenCache(string dir)
    {
        if (dir == "off")
        {
            return null;
        }
        try
        {
            return new PrecompileCache(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        try
        {
            return PrecompileCache.OpenReadOnly(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>HOST[::GUEST][:ro]. "::" separates host and guest so either may contain a single ':'.</summary>
    internal static Preopen ParseDir(string value)
    {
        bool readOnly = value.EndsWith(":ro", StringComparison.Ordinal);
        if (readOnly)
        {
            value = value[..^3];
        }

        int sep = value.IndexOf("::", StringComparison.Ordinal);
        string host = sep < 0 ? value : value[..sep];
        string guest = sep < 0 ? value : value[(sep + 2)..];
        if (host.Length == 0 || guest.Length == 0)
        {
            throw new ArgumentException($"--dir '{value}': expected HOST[::GUEST][:ro]");
        }

        if (!Directory.Exists(host))
        {
            throw new ArgumentException($"--dir '{value}': {host} is not a directory");
        }

        return new Preopen(Path.GetFullPath(host), guest, readOnly);
    }
}
