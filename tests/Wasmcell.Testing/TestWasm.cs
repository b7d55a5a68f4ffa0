namespace Wasmcell.Testing;

/// <summary>The wasm test programs (tests/wasm), built into artifacts/wasm by scripts/build-test-wasm.sh.</summary>
public static class TestWasm
{
    private static readonly Lazy<string> BuiltDir = new(Build);

    public static string Dir => BuiltDir.Value;

    public static string PathOf(string module) => Path.Combine(Dir, module);

    // The script is idempotent (rebuilds only stale modules), so running it every time keeps the modules
    // in step with their sources; the lock keeps two test hosts from writing the same files.
    private static string Build()
    {
        var dir = Path.Combine(RepoLayout.Artifacts, "wasm");
        using var _ = FileLock.Acquire(Path.Combine(RepoLayout.Artifacts, ".wasm.lock"), TimeSpan.FromMinutes(5));
        var result = CommandRunner.RunAsync(
            "/bin/sh", [Path.Combine(RepoLayout.Scripts, "build-test-wasm.sh"), dir], TimeSpan.FromMinutes(5))
            .GetAwaiter().GetResult();
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException("building the test wasm modules failed:\n" + result.Describe());
        }

        return dir;
    }
}
