using Wasmtime;

namespace Wasmcell.Wasi.Tests.Infrastructure;

/// <summary>
/// A WasiHost bound to one page of real Wasmtime memory filled with '?', so a test can assert the
/// exact bytes a host function wrote and that it wrote nothing else.
/// </summary>
internal sealed class MaskedMemory : IDisposable
{
    private readonly Store _store;
    public Memory Memory { get; }
    public WasiHost Host { get; }

    public MaskedMemory(WasiOptions options)
    {
        _store = new Store(GuestRun.Engine);
        Memory = new Memory(_store, 1);
        Memory.GetSpan(0, (int)Memory.GetLength()).Fill((byte)'?');
        Host = new WasiHost(options);
        Host.Memory.Bind(Memory);
    }

    public byte[] Bytes(int offset, int length) => Memory.GetSpan(offset, length).ToArray();

    public void Dispose()
    {
        Host.Dispose();
        _store.Dispose();
    }
}
