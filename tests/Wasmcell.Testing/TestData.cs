namespace Wasmcell.Testing;

/// <summary>
/// The third-party corpora (wasi-testsuite, wazero, seed samples, ...; see their README) that live beside
/// the checkout, not in it: <c>$WASMCELL_TESTDATA</c>, else <c>&lt;repo&gt;/../shared/testdata</c>.
/// When the folder is missing every test that needs it fails with <see cref="MissingMessage"/> instead of a
/// DirectoryNotFoundException trace, and corpus-driven theories get a single placeholder case.
/// </summary>
public static class TestData
{
    public const string EnvironmentVariable = "WASMCELL_TESTDATA";

    /// <summary>The placeholder case of a corpus theory when the corpus is missing (its test fails with <see cref="MissingMessage"/>).</summary>
    public const string MissingCase = "(test data missing)";

    public static string Root { get; } = FindRoot();

    public static bool IsPresent => Directory.Exists(Root);

    public static string MissingMessage =>
        $"the third-party test data is missing: no folder {Root}. Put the corpora there (../shared/testdata beside " +
        $"the checkout; its README says what each is) or point {EnvironmentVariable} at a copy, " +
        $"e.g. {EnvironmentVariable}=/path/to/testdata dotnet test.";

    /// <summary>Fails the calling test with <see cref="MissingMessage"/> when the corpus is missing.</summary>
    public static void Require()
    {
        if (!IsPresent)
        {
            throw new TestDataMissingException(MissingMessage);
        }
    }

    /// <summary>The full path of <paramref name="relative"/> in the corpus; fails the test with <see cref="MissingMessage"/> when the corpus is missing.</summary>
    public static string Path(string relative)
    {
        Require();
        return System.IO.Path.Combine(Root, relative);
    }

    /// <summary>
    /// Theory data from the corpus: <paramref name="cases"/> when it is present, else the one
    /// <see cref="MissingCase"/> (xunit fails a theory without data with a bare "No data found").
    /// </summary>
    public static TheoryData<string> Cases(Func<IEnumerable<string>> cases)
    {
        var data = new TheoryData<string>();
        foreach (var c in IsPresent ? cases() : [MissingCase])
        {
            data.Add(c);
        }

        return data;
    }

    private static string FindRoot()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return configured is { Length: > 0 }
            ? System.IO.Path.GetFullPath(configured)
            : System.IO.Path.GetFullPath(System.IO.Path.Combine(RepoLayout.Root, "..", "shared", "testdata"));
    }
}

/// <summary>The corpus of <see cref="TestData"/> is not there; the message says where it was looked for and how to point elsewhere.</summary>
public sealed class TestDataMissingException(string message) : Exception(message);
