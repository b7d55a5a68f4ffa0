namespace Wasmcell.Wasi.Tests.Infrastructure;

/// <summary>Paths into ../shared/testdata (read-only third-party programs) and tests/wasm-wasi.</summary>
internal static class TestData
{
    public static readonly string RepoRoot = FindRepoRoot();

    public static string Shared(string relative) =>
        System.IO.Path.GetFullPath(System.IO.Path.Combine(RepoRoot, "../shared/testdata", relative));

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Wasmcell.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repo root not found");
    }

    /// <summary>A fresh temp directory, deleted on dispose.</summary>
    public sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("wasi-test-").FullName;
        public string this[string name] => System.IO.Path.Combine(Path, name);
        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
