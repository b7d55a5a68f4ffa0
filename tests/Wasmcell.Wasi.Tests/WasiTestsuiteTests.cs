using System.Text.Json;
using Wasmcell.Wasi.Tests.Infrastructure;

namespace Wasmcell.Wasi.Tests;

/// <summary>
/// WebAssembly/wasi-testsuite (preview1, 72 programs) run from their .json specs, as its
/// doc/specification.md says: args, env (only those), dirs preopened under their own names,
/// exit code and stdout compared. Fixtures are copied to a temp folder per test (the shared
/// test data is read-only and tests write into their scratch dir).
/// </summary>
public sealed class WasiTestsuiteTests
{
    private static string SuiteRoot => TestData.Path("wasi-testsuite/tests");

    public static TheoryData<string> Cases() => TestData.Cases(() =>
        from lang in new[] { "assemblyscript", "c", "rust" }
        from wasm in Directory.GetFiles(System.IO.Path.Combine(SuiteRoot, lang, "testsuite"), "*.wasm").Order()
        select $"{lang}/{System.IO.Path.GetFileNameWithoutExtension(wasm)}");

    [Fact]
    public void Suite_has_72_programs()
    {
        TestData.Require();
        Assert.Equal(72, Cases().Count);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Passes_with_dirs_under_their_own_names(string testCase) => RunCase(testCase, rootPreopen: false);

    /// <summary>
    /// `--dir HOST::/`: the copied fixture folder is the guest's "/" (wasi-libc resolves
    /// "fs-tests.dir/..." through it). Tests without dirs get no preopen, as before (some use fd 3
    /// as "surely not open"). The Rust harness finds its scratch dir by preopen *name*, so Rust
    /// tests also get the named preopen after "/".
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Passes_with_fixture_tree_as_root(string testCase) => RunCase(testCase, rootPreopen: true);

    private static void RunCase(string testCase, bool rootPreopen)
    {
        TestData.Require();
        var parts = testCase.Split('/');
        var folder = System.IO.Path.Combine(SuiteRoot, parts[0], "testsuite");
        var wasm = System.IO.Path.Combine(folder, parts[1] + ".wasm");
        var spec = Spec.Load(System.IO.Path.ChangeExtension(wasm, ".json"));

        var work = Directory.CreateTempSubdirectory("wasi-suite-").FullName;
        try
        {
            var options = new WasiOptions();
            options.Args.Add(parts[1] + ".wasm");
            options.Args.AddRange(spec.Args);
            foreach (var (k, v) in spec.Env)
            {
                options.Env.Add($"{k}={v}");
            }

            if (rootPreopen && spec.Dirs.Count > 0)
            {
                options.Preopens.Add(new Preopen(work, "/", ReadOnly: false));
            }

            foreach (var d in spec.Dirs)
            {
                CopyTree(System.IO.Path.Combine(folder, d), System.IO.Path.Combine(work, d));
                if (!rootPreopen || parts[0] == "rust")
                {
                    options.Preopens.Add(new Preopen(System.IO.Path.Combine(work, d), d, ReadOnly: false));
                }
            }
            var result = GuestRun.Run(wasm, options);
            Assert.True(result.Trap is null, $"stderr: {result.Stderr}\ntrapped: {result.Trap}");
            Assert.True(spec.ExitCode == result.ExitCode, $"exit {result.ExitCode}, expected {spec.ExitCode}\nstdout: {result.Stdout}\nstderr: {result.Stderr}");
            if (spec.Stdout is not null)
            {
                Assert.Equal(spec.Stdout, result.Stdout);
            }

            if (spec.Stderr is not null)
            {
                Assert.Equal(spec.Stderr, result.Stderr);
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from))
        {
            File.Copy(f, System.IO.Path.Combine(to, System.IO.Path.GetFileName(f)));
        }

        foreach (var d in Directory.GetDirectories(from))
        {
            CopyTree(d, System.IO.Path.Combine(to, System.IO.Path.GetFileName(d)));
        }
    }

    private sealed record Spec(List<string> Args, List<string> Dirs, Dictionary<string, string> Env, int ExitCode, string? Stdout, string? Stderr)
    {
        public static Spec Load(string path)
        {
            var spec = new Spec(new(), new(), new(), 0, null, null);
            if (!File.Exists(path))
            {
                return spec;
            }

            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            if (root.TryGetProperty("args", out var a))
            {
                spec.Args.AddRange(a.EnumerateArray().Select(x => x.GetString()!));
            }

            if (root.TryGetProperty("dirs", out var d))
            {
                spec.Dirs.AddRange(d.EnumerateArray().Select(x => x.GetString()!));
            }

            if (root.TryGetProperty("env", out var e))
            {
                foreach (var p in e.EnumerateObject())
                {
                    spec.Env[p.Name] = p.Value.GetString()!;
                }
            }

            return spec with
            {
                ExitCode = root.TryGetProperty("exit_code", out var x) ? x.GetInt32() : 0,
                Stdout = root.TryGetProperty("stdout", out var o) ? o.GetString() : null,
                Stderr = root.TryGetProperty("stderr", out var s) ? s.GetString() : null,
            };
        }
    }
}
