namespace Wasmcell.Testing;

/// <summary>
/// Which runtime a scenario runs through. <see cref="Wasm"/> is the shim under test running a wasm
/// module; <see cref="Runc"/> runs the equivalent busybox program through runc, which proves the
/// harness itself (filter: DisplayName~Runc).
/// </summary>
public enum Flavor
{
    Wasm,
    Runc,
}

public static class Runtimes
{
    public const string Wasm = "io.containerd.wasm.v1";
    public const string Runc = "io.containerd.runc.v2";

    public static string Of(Flavor flavor) => flavor == Flavor.Wasm ? Wasm : Runc;
}
