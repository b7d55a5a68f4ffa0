namespace Wasmcell.Wasi;

/// <summary>
/// Thrown out of a blocking host call once <see cref="WasiHost.RequestStop"/> was called;
/// Wasmtime turns it into a trap that ends the guest.
/// </summary>
public sealed class WasiStoppedException : Exception
{
    internal WasiStoppedException() : base("the cell was asked to stop") { }
}
