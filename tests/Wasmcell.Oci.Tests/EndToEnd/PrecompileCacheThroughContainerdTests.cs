using Wasmcell.Oci.Images;
using Wasmcell.Oci.Tests.Infrastructure;

namespace Wasmcell.Oci.Tests.EndToEnd;

/// <summary>
/// The shim's precompile cache as containerd drives it (WASMCELL_PRECOMPILE_DIR of the private containerd):
/// observed on disk through the cache's layout (keys/&lt;key&gt; names objects/&lt;digest&gt;.cwasm; a hit
/// sets the key's mtime, the LRU record, and leaves the object alone; a miss or a repair writes a new object
/// file by rename, so with a fresh mtime). Cells only read the cache: the daemon records their hits and has
/// their misses compiled in by a sandboxed process beside the container, so those writes come a little later.
/// </summary>
[Trait("Needs", "root")]
[Trait("Needs", "containerd")]
[Trait("Needs", "registry")]
[Collection(EndToEndCollection.Name)]
public sealed class PrecompileCacheThroughContainerdTests(EndToEndFixture fixture)
{
    private static readonly DateTime LongAgo = new(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private readonly PrivateContainerd _containerd = fixture.Containerd;

    [Fact]
    public async Task First_run_compiles_into_the_cache_second_run_hits_and_a_corrupted_object_is_detected_and_rewritten()
    {
        // A module no other test ran, so the first run must be a miss whatever the cache holds already.
        var token = Guid.NewGuid().ToString("N");
        using var dir = new TempDir();
        File.WriteAllText(dir["cached.c"], $$"""
            #include <stdio.h>
            int main(void) { puts("cached {{token}}"); return 0; }
            """);
        CommandRunner.Check("clang", "--target=wasm32-wasi", "-O2", "-o", dir["cached.wasm"], dir["cached.c"]);
        var reference = fixture.BuildAndPush(new ImageBuildOptions { ModulePath = dir["cached.wasm"] }, $"e2e/cached:{token[..12]}");
        _containerd.PullPlainHttp(reference);
        var expected = $"cached {token}\n";
        var keysBefore = Entries("keys");
        var objectsBefore = Entries("objects");

        // 1. miss: compiled, one new key and one new object.
        AssertRuns(reference, expected);
        await Eventually.TrueAsync(() => Entries("keys").Except(keysBefore).Any() && Entries("objects").Except(objectsBefore).Any(),
            "the daemon's compile into the cache", TimeSpan.FromSeconds(60));
        var key = Assert.Single(Entries("keys").Except(keysBefore));
        var obj = Assert.Single(Entries("objects").Except(objectsBefore));
        Assert.Equal(Path.GetFileNameWithoutExtension(obj), RecordedObjectName(key));
        var compiled = File.ReadAllBytes(obj);

        // 2. hit: nothing new, the object not rewritten (a rewrite is a new file with a fresh mtime), the key's LRU time moved to now.
        File.SetLastWriteTimeUtc(key, LongAgo);
        File.SetLastWriteTimeUtc(obj, LongAgo);
        AssertRuns(reference, expected);
        Assert.Equal(keysBefore.Append(key).Order(), Entries("keys").Order());
        Assert.Equal(objectsBefore.Append(obj).Order(), Entries("objects").Order());
        Assert.Equal(LongAgo, File.GetLastWriteTimeUtc(obj));
        Assert.Equal(compiled, File.ReadAllBytes(obj));
        Assert.True(File.GetLastWriteTimeUtc(key) > LongAgo.AddYears(10), $"key mtime {File.GetLastWriteTimeUtc(key):O} not updated by the hit");

        // 3. a flipped byte in the object: detected, the container still runs right, the entry is rewritten.
        var corrupt = (byte[])compiled.Clone();
        corrupt[corrupt.Length / 2] ^= 0xFF;
        using (var file = new FileStream(obj, FileMode.Open, FileAccess.Write))
        {
            file.Write(corrupt); // in place, same name and size: only the digest check can notice
        }

        File.SetLastWriteTimeUtc(obj, LongAgo);
        AssertRuns(reference, expected);
        await Eventually.TrueAsync(() => ObjectOf(key) is { } o && File.GetLastWriteTimeUtc(o) > LongAgo.AddYears(10),
            "the daemon's rewrite of the corrupted entry", TimeSpan.FromSeconds(60));
        var rewritten = ObjectOf(key)!;
        Assert.NotEqual(corrupt, File.ReadAllBytes(rewritten));
        Assert.True(File.GetLastWriteTimeUtc(rewritten) > LongAgo.AddYears(10), "the object was not rewritten");
        if (rewritten == obj)
        {
            Assert.Equal(compiled, File.ReadAllBytes(rewritten)); // same digest name: the same bytes as the first compile
        }
    }

    private void AssertRuns(string reference, string expected)
    {
        var run = _containerd.RunWasm(reference, _containerd.NewId("cached"));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(expected, run.Stdout);
    }

    private List<string> Entries(string sub)
    {
        var path = Path.Combine(_containerd.PrecompileDir, sub);
        return Directory.Exists(path) ? [.. Directory.EnumerateFiles(path)] : [];
    }

    /// <summary>The object a key names, or null while the entry is being rewritten (key or object not there).</summary>
    private string? ObjectOf(string key)
    {
        try
        {
            var path = Path.Combine(_containerd.PrecompileDir, "objects", RecordedObjectName(key) + ".cwasm");
            return File.Exists(path) ? path : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>A key file holds "sha256-1m:&lt;hex&gt;"; the object is objects/&lt;hex&gt;.cwasm.</summary>
    private static string RecordedObjectName(string keyPath)
    {
        var recorded = File.ReadAllText(keyPath).Trim();
        var colon = recorded.IndexOf(':', StringComparison.Ordinal);
        Assert.True(colon > 0, $"unexpected key content '{recorded}'");
        return recorded[(colon + 1)..];
    }
}
