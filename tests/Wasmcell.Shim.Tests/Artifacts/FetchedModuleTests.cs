using Wasmcell.Shim.Artifacts;

namespace Wasmcell.Shim.Tests.Artifacts;

public sealed class FetchedModuleTests : IDisposable
{
    private readonly string _bundle = Directory.CreateTempSubdirectory("wasmcell-fetched-").FullName;

    public void Dispose() => Directory.Delete(_bundle, recursive: true);

    [Fact]
    public void The_record_the_helper_writes_is_what_the_daemon_reads()
    {
        var written = new FetchedModule("example.com/app:1", Path.Join(_bundle, "wasm-artifact"), "/app.wasm", "wasip1");
        written.WriteTo(FetchedModule.FileIn(_bundle));

        Assert.Equal(written, FetchedModule.ReadFrom(FetchedModule.FileIn(_bundle)));
    }

    [Fact]
    public void No_record_means_no_artifact_and_a_damaged_one_is_an_error()
    {
        Assert.Null(FetchedModule.ReadFrom(FetchedModule.FileIn(_bundle)));

        File.WriteAllText(FetchedModule.FileIn(_bundle), "only one line\n");
        var e = Assert.Throws<InvalidDataException>(() => FetchedModule.ReadFrom(FetchedModule.FileIn(_bundle)));
        Assert.Contains(FetchedModule.FileName, e.Message);
    }
}
