namespace Wasmcell.Testing;

/// <summary>Paths of the checkout the tests run from, found by walking up to Wasmcell.slnx.</summary>
public static class RepoLayout
{
    public static string Root { get; } = FindRoot();

    public static string Artifacts => Path.Combine(Root, "artifacts");

    public static string Scripts => Path.Combine(Root, "scripts");

    public static string Tests => Path.Combine(Root, "tests");

    public static string Examples => Path.Combine(Root, "examples");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Wasmcell.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no Wasmcell.slnx above {AppContext.BaseDirectory}: run the tests from the repository");
    }
}
