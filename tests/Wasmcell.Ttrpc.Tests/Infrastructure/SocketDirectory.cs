namespace Wasmcell.Ttrpc.Tests.Infrastructure;

/// <summary>A private temp directory for socket files; short, because sun_path holds only 108 bytes.</summary>
internal sealed class SocketDirectory : IDisposable
{
    public SocketDirectory()
    {
        Path = Directory.CreateTempSubdirectory("wasmcell-ttrpc-test-").FullName;
    }

    public string Path { get; }

    public string Socket(string name = "s.sock") => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
