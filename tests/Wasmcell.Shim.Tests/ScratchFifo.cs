using Wasmcell.Linux;

namespace Wasmcell.Shim.Tests;

/// <summary>A FIFO named <c>name</c> in a temp directory of its own, which goes with it.</summary>
internal sealed class ScratchFifo : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("wasmcell-fifo-");

    public ScratchFifo(string name)
    {
        Path = System.IO.Path.Join(_dir.FullName, name);
        Assert.Equal(0, Libc.Mkfifo(Path, 0x180));
    }

    public string Path { get; }

    /// <summary>Another path in the same directory, for files a test makes beside the FIFO.</summary>
    public string Beside(string name) => System.IO.Path.Join(_dir.FullName, name);

    public void Dispose() => _dir.Delete(recursive: true);
}
