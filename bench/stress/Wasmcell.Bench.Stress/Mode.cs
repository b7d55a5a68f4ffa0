namespace Wasmcell.Bench.Stress;

/// <summary>One way to run the bench's container: a Wasm shim (independent or shared) or runc with a native binary.</summary>
public sealed record Mode(string Name, string Runtime, IReadOnlyDictionary<string, string> Annotations)
{
    public const string Shared = "shared";
    public const string Independent = "independent";
    public const string Runc = "runc";

    public const string WasmRuntime = "io.containerd.wasm.v1";
    public const string WasmSharedRuntime = "io.containerd.wasm-shared.v1";
    public const string RuncRuntime = "io.containerd.runc.v2";
    public const string IsolationAnnotation = "wasmcell.io/isolation";

    public bool IsRunc => Name == Runc;

    /// <summary>
    /// The mode called <paramref name="name"/>. Shared mode is chosen by the annotation on
    /// io.containerd.wasm.v1 (<paramref name="sharedByRuntime"/> false) or by the runtime io.containerd.wasm-shared.v1.
    /// </summary>
    public static Mode Parse(string name, bool sharedByRuntime) => name switch
    {
        Shared when sharedByRuntime => new Mode(Shared, WasmSharedRuntime, new Dictionary<string, string>()),
        Shared => new Mode(Shared, WasmRuntime, new Dictionary<string, string> { [IsolationAnnotation] = "shared" }),
        Independent => new Mode(Independent, WasmRuntime, new Dictionary<string, string>()),
        Runc => new Mode(Runc, RuncRuntime, new Dictionary<string, string>()),
        _ => throw new UsageException($"unknown mode '{name}' (shared, independent, runc)"),
    };
}

/// <summary>A command-line mistake: printed with the usage, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
