using System.Security.Cryptography;

namespace Wasmcell.Testing;

/// <summary>
/// wasi:http/proxy components built from the JS sources in tests/components with componentize-js, as
/// ../shared/testdata/components/BUILD.md section 2 does: jco 1.35.0 (with its overrides line) is npm-installed once
/// into a cache directory under the temp directory, and each built component is kept there by the sha256 of its
/// source, so later runs (and other test projects) reuse it. Needs node and npm (CI has them and the npm registry);
/// without them the test fails with one message saying so.
/// </summary>
public static class JsComponents
{
    public const string JcoVersion = "1.35.0";

    private const string PackageJson = """
        { "name": "wasmcell-test-jco", "version": "1.0.0", "private": true,
          "dependencies": { "@bytecodealliance/jco": "1.35.0" },
          "overrides": { "@bytecodealliance/jco-transpile": { "@bytecodealliance/preview2-shim": "0.25.0" } } }
        """;

    private static readonly Lock Gate = new();

    /// <summary>The jco install and the built components: one per user, shared by runs and test projects.</summary>
    public static string CacheDirectory { get; } = Path.Combine(Path.GetTempPath(), $"wasmcell-test-jco-{JcoVersion}-{Environment.UserName}");

    /// <summary>tests/components/fetch.js: fetches the URL in its request's ?url= and answers with the upstream's status and body.</summary>
    public static string Fetch => Build("fetch.js");

    /// <summary>The component built from tests/components/<paramref name="source"/> (built now if not cached).</summary>
    public static string Build(string source)
    {
        var sourcePath = Path.Combine(RepoLayout.Tests, "components", source);
        var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(sourcePath)))[..16];
        var output = Path.Combine(CacheDirectory, $"{Path.GetFileNameWithoutExtension(source)}-{hash}.component.wasm");
        lock (Gate)
        {
            using var fileLock = FileLock.Acquire(Path.Combine(CacheDirectory, ".lock"), TimeSpan.FromMinutes(10));
            if (File.Exists(output))
            {
                return output;
            }
            var jco = InstallJco();
            var wit = TestData.Path("components/src/js/wit");
            var partial = output + ".partial";
            var result = CommandRunner.Run(jco, ["componentize", sourcePath, "--wit", Path.GetFullPath(wit), "--world-name", "hello", "-o", partial], TimeSpan.FromMinutes(5));
            if (result.ExitCode != 0 || result.TimedOut || !File.Exists(partial))
            {
                throw new InvalidOperationException($"jco componentize {source} failed: {result.Describe()}");
            }
            File.Move(partial, output, overwrite: true);
            return output;
        }
    }

    private static string InstallJco()
    {
        var jco = Path.Combine(CacheDirectory, "node_modules", ".bin", "jco");
        if (File.Exists(jco))
        {
            return jco;
        }
        var npm = Which("npm");
        if (npm is null || Which("node") is null)
        {
            throw new InvalidOperationException(
                "building the JS test components needs node (v20) and npm on PATH, with the npm registry reachable " +
                $"(jco {JcoVersion} is installed into {CacheDirectory}; ../shared/testdata/components/BUILD.md section 2)");
        }
        File.WriteAllText(Path.Combine(CacheDirectory, "package.json"), PackageJson);
        var result = CommandRunner.Run(npm, ["install", "--prefix", CacheDirectory, "--no-audit", "--no-fund"], TimeSpan.FromMinutes(10));
        if (result.ExitCode != 0 || result.TimedOut || !File.Exists(jco))
        {
            throw new InvalidOperationException($"npm install of jco {JcoVersion} into {CacheDirectory} failed: {result.Describe()}");
        }
        return jco;
    }

    private static string? Which(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, tool)).FirstOrDefault(File.Exists);
}
