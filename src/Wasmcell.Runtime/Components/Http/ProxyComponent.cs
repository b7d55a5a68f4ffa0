using System.Text;
using Wasmtime;
using Wasmtime.Components;

namespace Wasmcell.Runtime.Components.Http;

/// <summary>
/// A compiled wasi:http/proxy component with its linker, ready to handle requests: each request gets a fresh store
/// and instance (as `wasmtime serve` does), so no state leaks from one request to the next and a trap costs only
/// that request. Thread-safe: concurrent requests use their own stores on their own threads.
/// </summary>
public sealed unsafe class ProxyComponent : LoadedComponent
{
    private readonly WasmEngine _engine;
    private readonly ProxyLinker _linker;
    private IntPtr _handleIndex;
    private readonly CancellationTokenSource _stop = new();
    private volatile bool _stopRequested;

    internal ProxyComponent(WasmEngine engine, Component component, string path)
    {
        _engine = engine;
        Component = component;
        Path = path;
        _linker = ProxyLinker.For(engine.Engine, component);
        try
        {
            _handleIndex = HandleExportIndex(component) ?? throw new ModuleLoadException(
                $"{path} exports {ComponentWorlds.IncomingHandlerInterface} without a function handle");
        }
        catch
        {
            _linker.Dispose();
            throw;
        }
    }

    public override Component Component { get; }

    public override string Path { get; }

    /// <summary>Per-request store limit (the container's memory limit), or null.</summary>
    public long? MemoryLimitBytes { get; set; }

    /// <summary>
    /// Guest code of every request in flight traps at its next epoch check (the drain timed out), and host calls
    /// waiting (poll, sleep, an outgoing request's response) end with a trap too.
    /// </summary>
    public void Stop()
    {
        // The epoch first: cancelling wakes waiting guests (and fails their outgoing requests) on their own threads,
        // and a guest woken before the bump could run on and answer as if its upstream had failed.
        _stopRequested = true;
        _engine.Interrupt();
        _stop.Cancel();
    }

    /// <summary>
    /// Runs the guest's handle for one request and completes the response: a trap, or a handler that set no
    /// response, answers 500 when nothing was sent yet and aborts the connection otherwise.
    /// </summary>
    public ProxyOutcome Handle(IHttpExchange exchange, ProxyEnvironment environment)
    {
        var state = new ProxyRequestState(exchange, environment, _stop.Token);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var instantiated = TimeSpan.Zero;
        string? failure;
        using (var store = new Store(_engine.Engine))
        {
            if (MemoryLimitBytes is long limit)
            {
                store.SetLimits(memorySize: limit);
            }
            // Before instantiation, which already runs guest code (see CommandComponentRun).
            store.SetEpochDeadline(1);
            store.SetEpochDeadlineCallback(_ => _stopRequested ? throw new OperationCanceledException("the guest was stopped") : 1UL);
            using (state.Enter())
            {
                try
                {
                    failure = Call(store, state, () => instantiated = clock.Elapsed);
                }
                finally
                {
                    // Outgoing connections the guest left open end with its request.
                    foreach (var outgoing in state.Outgoing)
                    {
                        outgoing.Dispose();
                    }
                }
            }
        }
        var timing = new ProxyTiming(instantiated, clock.Elapsed - instantiated, System.Diagnostics.Stopwatch.GetElapsedTime(0, state.HostTicks));
        if (failure is null && !state.ResponseSet)
        {
            failure = "the guest's handle returned without setting a response";
        }
        if (failure is not null)
        {
            Fail(exchange, failure);
            return new ProxyOutcome(500, failure) { Timing = timing };
        }
        if (state.Response is not { } response)
        {
            Fail(exchange, null);
            return new ProxyOutcome(500, $"the guest answered with error-code {state.ResponseError}") { Timing = timing };
        }
        var body = response.Body ??= new OutgoingBody(response);
        if (!body.Finished)
        {
            if (response.BodyTaken)
            {
                // The guest dropped its body unfinished: the response is incomplete and the connection cannot be reused.
                exchange.Abort();
                return new ProxyOutcome(response.Status, "the guest did not finish the response body") { Timing = timing };
            }
            body.Finish();
        }
        if (!body.Attached)
        {
            body.Attach(exchange, response.Headers.Entries);
        }
        return new ProxyOutcome(response.Status, null) { Timing = timing };
    }

    private string? Call(Store store, ProxyRequestState state, Action instantiated)
    {
        var context = WasmtimeNative.ContextOf(store);
        ComponentInstance instance;
        var error = ComponentNative.LinkerInstantiate(_linker.Pointer, context, WasmtimeNative.PointerOf(Component), &instance);
        if (error != IntPtr.Zero)
        {
            return CellRunner.TrapText(WasmtimeNative.TakeErrorMessage(error));
        }
        instantiated();
        ComponentFunc handle;
        if (!ComponentNative.InstanceGetFunc(&instance, context, _handleIndex, &handle))
        {
            return $"{Path}: no function handle in {ComponentWorlds.IncomingHandlerInterface}";
        }
        var args = stackalloc ComponentVal[2];
        args[0] = HostHandles.Own(context, state, ResourceKind.IncomingRequest, new IncomingRequest(state.Exchange));
        args[1] = HostHandles.Own(context, state, ResourceKind.ResponseOutparam, new ResponseOutparam());
        try
        {
            error = ComponentNative.FuncCall(&handle, context, args, 2, null, 0);
            return error == IntPtr.Zero ? null : CellRunner.TrapText(WasmtimeNative.TakeErrorMessage(error));
        }
        finally
        {
            ComponentNative.ResourceAnyDelete(args[0].Resource);
            ComponentNative.ResourceAnyDelete(args[1].Resource);
        }
    }

    private static void Fail(IHttpExchange exchange, string? message)
    {
        if (exchange.HeadSent)
        {
            exchange.Abort();
            return;
        }
        var body = Encoding.UTF8.GetBytes("500 Internal Server Error\n");
        _ = message; // the trap text goes to the container's stderr, not to the client
        exchange.SendHead(500, [new("content-type", "text/plain"u8.ToArray())], body.Length);
        exchange.WriteBody(body);
        exchange.EndBody();
    }

    private static IntPtr? HandleExportIndex(Component component)
    {
        var pointer = WasmtimeNative.PointerOf(component);
        var interfaceName = Encoding.UTF8.GetBytes(ComponentWorlds.IncomingHandlerInterface);
        var functionName = "handle"u8;
        IntPtr parent;
        fixed (byte* n = interfaceName)
        {
            parent = ComponentNative.ComponentGetExportIndex(pointer, IntPtr.Zero, n, (nuint)interfaceName.Length);
        }
        if (parent == IntPtr.Zero)
        {
            return null;
        }
        try
        {
            fixed (byte* n = functionName)
            {
                var index = ComponentNative.ComponentGetExportIndex(pointer, parent, n, (nuint)functionName.Length);
                return index == IntPtr.Zero ? null : index;
            }
        }
        finally
        {
            ComponentNative.ExportIndexDelete(parent);
        }
    }

    public override void Dispose()
    {
        var index = Interlocked.Exchange(ref _handleIndex, IntPtr.Zero);
        if (index != IntPtr.Zero)
        {
            ComponentNative.ExportIndexDelete(index);
        }
        _linker.Dispose();
        Component.Dispose();
        _stop.Dispose();
    }
}

/// <summary>How one request ended: the status sent, and the failure (trap text or protocol fault) if any.</summary>
public sealed record ProxyOutcome(int Status, string? Failure)
{
    public ProxyTiming Timing { get; init; }
}

/// <summary>
/// Where one request's time went: store and instance creation, then the guest's handle; <paramref name="Host"/> is the
/// part of handle spent in this host's functions (body I/O included; Wasmtime's conversion of their values is not).
/// </summary>
public readonly record struct ProxyTiming(TimeSpan Instantiate, TimeSpan Handle, TimeSpan Host);

/// <summary>Handles the host gives the guest outside a host call (handle's own arguments).</summary>
internal static unsafe class HostHandles
{
    public static ComponentVal Own(IntPtr context, ProxyRequestState state, ResourceKind kind, object value)
    {
        var rep = state.Resources.Add(kind, value);
        var host = ComponentNative.ResourceHostNew(owned: true, rep, (uint)kind);
        try
        {
            IntPtr any;
            ComponentNative.Check(ComponentNative.ResourceHostToAny(context, host, &any), "resource handle");
            return ComponentVal.OfResource(any);
        }
        finally
        {
            ComponentNative.ResourceHostDelete(host);
        }
    }
}
