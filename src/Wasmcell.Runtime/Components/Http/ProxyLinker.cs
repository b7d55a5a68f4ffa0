using System.Runtime.InteropServices;
using System.Text;
using Wasmtime;
using Wasmtime.Components;

namespace Wasmcell.Runtime.Components.Http;

/// <summary>
/// The linker of a wasi:http/proxy component: every import this host implements defined as host functions and host
/// resources, under the exact name (and 0.2.x version) the component imports it by, and every other import as a
/// function that traps when called. Wasmtime's own p2 WASI is deliberately not linked: its streams are not this
/// host's streams ("mismatched resource types", components.md). One linker serves every request's store.
/// </summary>
internal sealed unsafe class ProxyLinker : IDisposable
{
    /// <summary>Every interface the host implements, by name without version.</summary>
    private static readonly Dictionary<string, ImportInterface> Interfaces = new[]
    {
        IoImports.Error, IoImports.Poll, IoImports.Streams,
        CliImports.Environment, CliImports.Exit, CliImports.Stdin, CliImports.Stdout, CliImports.Stderr,
        CliImports.TerminalStdin, CliImports.TerminalStdout, CliImports.TerminalStderr, CliImports.Preopens,
        CliImports.MonotonicClock, CliImports.WallClock, CliImports.Random, CliImports.InsecureRandom, CliImports.InsecureSeed,
        HttpImports.Types, OutgoingImports.OutgoingHandler,
    }.ToDictionary(i => i.Name);

    // Host functions by index: the index is the data pointer Wasmtime hands back to the trampoline. Registered once
    // per process, since the interfaces above are static.
    private static readonly List<HostFunction> Registered = [];
    private static readonly Dictionary<(string Interface, string Function), int> Indexes = Register();

    private IntPtr _linker;

    /// <summary>Whether the host defines an import of this name (e.g. wasi:io/poll@0.2.12) itself.</summary>
    internal static bool Defines(string import)
    {
        var at = import.IndexOf('@');
        return at > 0 && import.AsSpan(at + 1).StartsWith("0.2.") && Interfaces.ContainsKey(import[..at]);
    }

    private ProxyLinker(IntPtr linker) => _linker = linker;

    public IntPtr Pointer => _linker;

    /// <summary>Defines the imports of <paramref name="component"/>; throws when one this host must provide cannot be defined.</summary>
    public static ProxyLinker For(Engine engine, Component component)
    {
        var linker = new ProxyLinker(ComponentNative.LinkerNew(WasmtimeNative.PointerOf(engine)));
        try
        {
            var root = ComponentNative.LinkerRoot(linker._linker);
            try
            {
                foreach (var import in ComponentExports.ImportNames(engine, component))
                {
                    if (Defines(import))
                    {
                        Define(root, import, Interfaces[import[..import.IndexOf('@')]]);
                    }
                }
            }
            finally
            {
                ComponentNative.LinkerInstanceDelete(root);
            }
            ComponentNative.Check(ComponentNative.LinkerDefineUnknownImportsAsTraps(linker._linker, WasmtimeNative.PointerOf(component)),
                "define the component's other imports");
            return linker;
        }
        catch
        {
            linker.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        var linker = Interlocked.Exchange(ref _linker, IntPtr.Zero);
        if (linker != IntPtr.Zero)
        {
            ComponentNative.LinkerDelete(linker);
        }
    }

    private static void Define(IntPtr root, string instanceName, ImportInterface definition)
    {
        IntPtr instance;
        var name = Encoding.UTF8.GetBytes(instanceName);
        fixed (byte* n = name)
        {
            ComponentNative.Check(ComponentNative.LinkerInstanceAddInstance(root, n, (nuint)name.Length, &instance), $"define {instanceName}");
        }
        try
        {
            foreach (var (resourceName, kind) in definition.Resources)
            {
                var type = ComponentNative.ResourceTypeNewHost((uint)kind);
                try
                {
                    var bytes = Encoding.UTF8.GetBytes(resourceName);
                    fixed (byte* n = bytes)
                    {
                        ComponentNative.Check(ComponentNative.LinkerInstanceAddResource(instance, n, (nuint)bytes.Length, type, &DropResource, (IntPtr)kind, IntPtr.Zero),
                            $"define {instanceName} {resourceName}");
                    }
                }
                finally
                {
                    ComponentNative.ResourceTypeDelete(type);
                }
            }
            foreach (var (functionName, _) in definition.Functions)
            {
                var bytes = Encoding.UTF8.GetBytes(functionName);
                fixed (byte* n = bytes)
                {
                    ComponentNative.Check(ComponentNative.LinkerInstanceAddFunc(instance, n, (nuint)bytes.Length, &Invoke,
                        Indexes[(definition.Name, functionName)], IntPtr.Zero), $"define {instanceName} {functionName}");
                }
            }
        }
        finally
        {
            ComponentNative.LinkerInstanceDelete(instance);
        }
    }

    private static Dictionary<(string, string), int> Register()
    {
        var indexes = new Dictionary<(string, string), int>();
        foreach (var definition in Interfaces.Values)
        {
            foreach (var (name, function) in definition.Functions)
            {
                indexes[(definition.Name, name)] = Registered.Count;
                Registered.Add(function);
            }
        }
        return indexes;
    }

    /// <summary>
    /// The trampoline of every host function: a managed exception becomes a trap carrying its message. Once the proxy
    /// is stopped every host call traps, so a guest never sees the stop as a failed request it could answer.
    /// </summary>
    [UnmanagedCallersOnly]
    private static IntPtr Invoke(IntPtr data, IntPtr context, IntPtr type, ComponentVal* args, nuint argCount, ComponentVal* results, nuint resultCount)
    {
        var state = ProxyRequestState.Current;
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            if (state.Stopping.IsCancellationRequested)
            {
                throw new OperationCanceledException("the guest was stopped");
            }
            Registered[(int)data](new HostCall(context, args, argCount, results, resultCount, state));
            return IntPtr.Zero;
        }
        catch (Exception e)
        {
            return ComponentNative.ErrorNew(e.Message);
        }
        finally
        {
            state.HostTicks += System.Diagnostics.Stopwatch.GetTimestamp() - start;
        }
    }

    /// <summary>The guest dropped its own handle of a host resource.</summary>
    [UnmanagedCallersOnly]
    private static IntPtr DropResource(IntPtr data, IntPtr context, uint rep)
    {
        try
        {
            ProxyRequestState.Current.Resources.Remove(rep, dispose: true);
            return IntPtr.Zero;
        }
        catch (Exception e)
        {
            return ComponentNative.ErrorNew(e.Message);
        }
    }
}
