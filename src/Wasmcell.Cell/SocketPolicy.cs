using Wasmcell.Oci.RuntimeSpec;

namespace Wasmcell.Cell;

/// <summary>
/// Whether a Wasm container may open sockets of its own: one decision for every socket ABI (the WasmEdge socket
/// extension of WASI guests, Emscripten's socketcall) and for the cell's seccomp rule on socket(2). A container
/// in a network namespace of its own (a new one the spec asks for, or the pod's by path) may, as a runc container
/// can; one in the host's network namespace (no network namespace in the spec: `ctr run --net-host`,
/// `hostNetwork: true`) only with WASMCELL_SOCKETS=allow; WASMCELL_SOCKETS=deny turns them off everywhere.
/// </summary>
public static class SocketPolicy
{
    public const string Allow = "allow", Deny = "deny";

    /// <summary>The decision for this container (its env wins over its annotation, <see cref="CellSpecBuilder.SocketsEnv"/>).</summary>
    public static bool Allows(Spec oci)
    {
        ArgumentNullException.ThrowIfNull(oci);
        return Decide(CellSpecBuilder.Setting(oci, CellSpecBuilder.SocketsEnv, CellSpecBuilder.SocketsAnnotation), HasOwnNetworkNamespace(oci));
    }

    /// <summary>The rule itself. A value other than "allow" or "deny" is refused, so a typo fails the create instead of guessing.</summary>
    public static bool Decide(string? setting, bool ownNetworkNamespace) => setting switch
    {
        null or "" => ownNetworkNamespace,
        Allow => true,
        Deny => false,
        _ => throw new ArgumentException(
            $"{CellSpecBuilder.SocketsEnv}='{setting}': expected '{Allow}' (sockets even in the host's network namespace) or '{Deny}' (no sockets)"),
    };

    /// <summary>Any network namespace entry, new (no path) or joined (the pod's): only the host's has none.</summary>
    public static bool HasOwnNetworkNamespace(Spec oci) =>
        oci.Linux?.Namespaces?.Any(n => n.Type == "network") == true;
}
