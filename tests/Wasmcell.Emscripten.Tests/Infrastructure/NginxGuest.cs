using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using Wasmcell.Wasi;
using Wasmtime;

namespace Wasmcell.Emscripten.Tests.Infrastructure;

/// <summary>
/// The seed's nginx.wasm running under <see cref="EmscriptenHost"/> on a thread of the test: a temp rootfs with the
/// seed's nginx.conf (its port changed to a free one, so parallel runs and other listeners on 8080 do not collide),
/// html/ and an empty logs/ (the image needs one: testdata README), stdout and stderr captured in files.
/// </summary>
public sealed class NginxGuest : IDisposable
{
    private static readonly Lazy<(Engine Engine, Module Module)> Compiled = new(() =>
    {
        using var config = new Config();
        config.WithEpochInterruption(true);
        var engine = new Engine(config);
        return (engine, Module.FromFile(engine, TestData.Path("seed-samples/nginx/nginx.wasm")));
    });

    private readonly TempDir _dir = new("wasmcell-nginx-");
    private readonly Thread _thread;
    private readonly SafeFileHandle _stdout;
    private readonly SafeFileHandle _stderr;
    private EmscriptenHost? _host;
    private Store? _store;

    public NginxGuest(bool allowSockets = true, bool readOnlyRoot = false)
    {
        Port = FreePort();
        Root = _dir["rootfs"];
        var seed = TestData.Path("seed-samples/nginx");
        Directory.CreateDirectory(Path.Combine(Root, "html"));
        Directory.CreateDirectory(Path.Combine(Root, "logs"));
        foreach (var file in Directory.GetFiles(Path.Combine(seed, "html")))
        {
            File.Copy(file, Path.Combine(Root, "html", Path.GetFileName(file)));
        }
        File.WriteAllText(Path.Combine(Root, "nginx.conf"),
            File.ReadAllText(Path.Combine(seed, "nginx.conf")).Replace("listen       8080;", $"listen       {Port};", StringComparison.Ordinal));
        _stdout = File.OpenHandle(_dir["stdout"], FileMode.Create, FileAccess.Write);
        _stderr = File.OpenHandle(_dir["stderr"], FileMode.Create, FileAccess.Write);
        var options = new WasiOptions { Stdout = _stdout, Stderr = _stderr, AllowSocketExtension = allowSockets };
        options.Args.AddRange(["nginx.wasm", "-p", ".", "-c", "nginx.conf"]);
        options.Env.Add("PATH=/");
        options.Preopens.Add(new Preopen(Root, ".", readOnlyRoot));
        options.Preopens.Add(new Preopen(Root, "/", readOnlyRoot));
        var started = new ManualResetEventSlim();
        _thread = new Thread(() => Run(options, started)) { IsBackground = true, Name = "nginx guest" };
        _thread.Start();
        started.Wait();
    }

    public int Port { get; }

    public string Root { get; }

    /// <summary>Set when the guest ended: its exit status (_exit or main's return), 134 for a trap, 143 for a stop it did not handle.</summary>
    public int? ExitCode { get; private set; }

    public string? Trap { get; private set; }

    public string Stdout => File.ReadAllText(_dir["stdout"]);

    public string Stderr => File.ReadAllText(_dir["stderr"]);

    private bool _disposing;

    public EmscriptenHost Host => _host!;

    private void Run(WasiOptions options, ManualResetEventSlim started)
    {
        var (engine, module) = Compiled.Value;
        using var store = new Store(engine);
        store.SetEpochDeadline(1);
        // The engine is shared by every guest of the test run: an epoch bump meant for one (Dispose) must not trap
        // the others, as in the cell (CellRunner).
        store.SetEpochDeadlineCallback(_ => Volatile.Read(ref _disposing) ? throw new OperationCanceledException("the guest was asked to stop") : 1UL);
        using var linker = new Linker(engine);
        using var host = new EmscriptenHost(options);
        _store = store;
        _host = host;
        started.Set();
        try
        {
            host.Define(linker, store, module);
            var instance = linker.Instantiate(store, module);
            ExitCode = host.RunMain(instance);
        }
        catch (WasmtimeException e) when (host.ExitCode is int code)
        {
            _ = e;
            ExitCode = code;
        }
        catch (WasmtimeException e)
        {
            Trap = e.Message;
            ExitCode = e.InnerException is WasiStoppedException or OperationCanceledException || e.Message.Contains("asked to stop", StringComparison.Ordinal) ? 143 : 134;
        }
    }

    /// <summary>Waits until nginx accepts connections (or ended: then the assertion names its stderr).</summary>
    public void WaitUntilListening()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            Assert.True(_thread.IsAlive, $"nginx ended (exit {ExitCode}, trap {Trap}) before listening:\n{Stderr}");
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(20);
            }
        }
        Assert.Fail($"nginx did not listen on {Port} within 30 s:\n{Stderr}");
    }

    /// <summary>Requests a stop as the cell does on SIGTERM; returns how long the guest took to end.</summary>
    public TimeSpan Stop()
    {
        var clock = Stopwatch.StartNew();
        _host!.RequestStop();
        Assert.True(_thread.Join(TimeSpan.FromSeconds(30)), "nginx did not end after RequestStop");
        return clock.Elapsed;
    }

    public bool WaitForExit(TimeSpan timeout) => _thread.Join(timeout);

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (_thread.IsAlive)
        {
            Volatile.Write(ref _disposing, true);
            _host?.RequestStop();
            Compiled.Value.Engine.IncrementEpoch();
            _thread.Join(TimeSpan.FromSeconds(30));
        }
        _stdout.Dispose();
        _stderr.Dispose();
        _dir.Dispose();
    }
}
