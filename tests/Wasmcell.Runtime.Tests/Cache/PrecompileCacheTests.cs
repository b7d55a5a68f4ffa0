using Wasmcell.Runtime.Cache;
using Wasmtime;

namespace Wasmcell.Runtime.Tests.Cache;

public sealed class PrecompileCacheTests : IDisposable
{
    private const string Fingerprint = "test-config-1";
    private readonly CacheTestModules _modules = new();
    private readonly Engine _engine = new();

    public void Dispose()
    {
        _engine.Dispose();
        _modules.Dispose();
    }

    private string ObjectsDir => Path.Combine(_modules.CacheRoot, "objects");

    private string[] Objects() => Directory.GetFiles(ObjectsDir, "*.cwasm");

    [Fact]
    public void First_load_compiles_and_stores_second_load_is_a_hit()
    {
        var path = _modules.Write("a.wasm", 42);
        var cache = new PrecompileCache(_modules.CacheRoot);

        using (var first = cache.LoadOrCompile(_engine, Fingerprint, path))
        {
            Assert.Equal(42, CacheTestModules.Answer(_engine, first));
        }

        Assert.Equal(1, cache.Stats.Misses);
        Assert.Equal(0, cache.Stats.Hits);
        Assert.Single(Objects());

        using var second = cache.LoadOrCompile(_engine, Fingerprint, path);
        Assert.Equal(42, CacheTestModules.Answer(_engine, second));
        Assert.Equal(1, cache.Stats.Hits);
        Assert.Equal(1, cache.Stats.Misses);
    }

    [Fact]
    public void A_read_only_reader_compiles_a_miss_without_writing_and_reports_its_hits_for_the_owner_to_record()
    {
        var path = _modules.Write("a.wasm", 42);
        Directory.CreateDirectory(_modules.CacheRoot);
        var reader = PrecompileCache.OpenReadOnly(_modules.CacheRoot);
        using (var missed = reader.LoadOrCompile(_engine, Fingerprint, path))
        {
            Assert.Equal(42, CacheTestModules.Answer(_engine, missed));
        }
        Assert.Equal(1, reader.Misses);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_modules.CacheRoot)); // not even the subdirectories

        // The owner compiles it in (the daemon's sandboxed compile); the reader then hits and names the key.
        new PrecompileCache(_modules.CacheRoot).LoadOrCompile(_engine, Fingerprint, File.ReadAllBytes(path), "a.wasm").Dispose();
        var key = Assert.Single(Directory.GetFiles(Path.Combine(_modules.CacheRoot, "keys")));
        File.SetLastWriteTimeUtc(key, new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        reader = PrecompileCache.OpenReadOnly(_modules.CacheRoot);
        using (var hit = reader.LoadOrCompile(_engine, Fingerprint, path))
        {
            Assert.Equal(42, CacheTestModules.Answer(_engine, hit));
        }
        Assert.Equal(0, reader.Misses);
        Assert.Equal(Path.GetFileName(key), reader.LastHitKey);
        Assert.True(File.GetLastWriteTimeUtc(key).Year == 2001, "a read-only reader moved the key's mtime");

        // The reader hashed the module (no digest remembered for it); its owner remembers it from the key.
        var hashed = Directory.Exists(Path.Combine(_modules.CacheRoot, "modules")) ? Directory.GetFiles(Path.Combine(_modules.CacheRoot, "modules")).Length : 0;
        new PrecompileCache(_modules.CacheRoot).RememberModuleOfKey(path, reader.LastHitKey!);
        Assert.Equal(hashed + 1, Directory.GetFiles(Path.Combine(_modules.CacheRoot, "modules")).Length);
        var next = PrecompileCache.OpenReadOnly(_modules.CacheRoot);
        next.LoadOrCompile(_engine, Fingerprint, path).Dispose();
        Assert.Equal(0, next.Misses);

        Assert.True(PrecompileCache.RecordUse(_modules.CacheRoot, reader.LastHitKey!));
        Assert.True(File.GetLastWriteTimeUtc(key).Year > 2001, "the owner did not record the use");
        // A key comes from the reader: never a path.
        Assert.False(PrecompileCache.RecordUse(_modules.CacheRoot, "../keys/" + Path.GetFileName(key)));
        Assert.False(PrecompileCache.RecordUse(_modules.CacheRoot, "0123-not-there"));
    }

    [Fact]
    public void Another_process_sees_the_entry()
    {
        var path = _modules.Write("a.wasm", 42);
        new PrecompileCache(_modules.CacheRoot).LoadOrCompile(_engine, Fingerprint, path).Dispose();

        var other = new PrecompileCache(_modules.CacheRoot);
        using var module = other.LoadOrCompile(_engine, Fingerprint, path);
        Assert.Equal(1, other.Stats.Hits);
        Assert.Equal(0, other.Stats.Misses);
    }

    [Fact]
    public void Flipped_byte_is_detected_removed_and_recompiled()
    {
        var path = _modules.Write("a.wasm", 42);
        var cache = new PrecompileCache(_modules.CacheRoot);
        cache.LoadOrCompile(_engine, Fingerprint, path).Dispose();
        var objectPath = Assert.Single(Objects());
        var bytes = File.ReadAllBytes(objectPath);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(objectPath, bytes);

        using var module = cache.LoadOrCompile(_engine, Fingerprint, path);

        Assert.Equal(42, CacheTestModules.Answer(_engine, module));
        Assert.Equal(1, cache.Stats.Rejected);
        Assert.Equal(2, cache.Stats.Misses);
        // The rewritten entry is sound again: the next load is a hit.
        cache.LoadOrCompile(_engine, Fingerprint, path).Dispose();
        Assert.Equal(1, cache.Stats.Hits);
        Assert.Equal(1, cache.Stats.Rejected);
    }

    [Fact]
    public void Object_tampered_after_it_was_verified_is_still_detected()
    {
        // A hit remembers the object as verified by its identity; an in-place rewrite that restores size
        // and mtime still moves ctime, so the next load hashes again and rejects it.
        var path = _modules.Write("a.wasm", 42);
        var cache = new PrecompileCache(_modules.CacheRoot);
        cache.LoadOrCompile(_engine, Fingerprint, path).Dispose();
        cache.LoadOrCompile(_engine, Fingerprint, path).Dispose();
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(_modules.CacheRoot, "verified")));
        var objectPath = Assert.Single(Objects());
        var mtime = File.GetLastWriteTimeUtc(objectPath);
        using (var f = new FileStream(objectPath, FileMode.Open, FileAccess.Write))
        {
            f.Position = f.Length / 2;
            var b = File.ReadAllBytes(objectPath)[f.Length / 2];
            f.WriteByte((byte)(b ^ 0x01));
        }
        File.SetLastWriteTimeUtc(objectPath, mtime);

        using var module = cache.LoadOrCompile(_engine, Fingerprint, path);

        Assert.Equal(42, CacheTestModules.Answer(_engine, module));
        Assert.Equal(1, cache.Stats.Rejected);
    }

    [Fact]
    public void Swapped_file_is_detected_and_the_right_module_runs()
    {
        var a = _modules.Write("a.wasm", 42);
        var b = _modules.Write("b.wasm", 7);
        var cache = new PrecompileCache(_modules.CacheRoot);
        cache.LoadOrCompile(_engine, Fingerprint, a).Dispose();
        var objectA = Assert.Single(Objects());
        cache.LoadOrCompile(_engine, Fingerprint, b).Dispose();
        var objectB = Assert.Single(Objects(), o => o != objectA);

        // A valid precompiled module, just not the one the key is for: Wasmtime alone would load it.
        File.Copy(objectB, objectA, overwrite: true);

        using var module = cache.LoadOrCompile(_engine, Fingerprint, a);
        Assert.Equal(42, CacheTestModules.Answer(_engine, module));
        Assert.Equal(1, cache.Stats.Rejected);
    }

    [Fact]
    public void Truncated_key_file_is_rejected_not_trusted()
    {
        var path = _modules.Write("a.wasm", 42);
        var cache = new PrecompileCache(_modules.CacheRoot);
        cache.LoadOrCompile(_engine, Fingerprint, path).Dispose();
        var keyFile = Assert.Single(Directory.GetFiles(Path.Combine(_modules.CacheRoot, "keys")));
        File.WriteAllText(keyFile, "sha256:12");

        using var module = cache.LoadOrCompile(_engine, Fingerprint, path);
        Assert.Equal(42, CacheTestModules.Answer(_engine, module));
        Assert.Equal(1, cache.Stats.Rejected);
    }

    [Fact]
    public void Rewritten_module_file_is_compiled_again_not_served_from_the_old_entry()
    {
        var path = _modules.Write("a.wasm", 42);
        var cache = new PrecompileCache(_modules.CacheRoot);
        cache.LoadOrCompile(_engine, Fingerprint, path).Dispose();
        var original = File.ReadAllBytes(path);
        var sameSize = File.ReadAllBytes(_modules.Write("b.wasm", 43));
        Assert.Equal(original.Length, sameSize.Length); // same size: only the content tells them apart
        var mtime = File.GetLastWriteTimeUtc(path);
        File.WriteAllBytes(path, sameSize);
        File.SetLastWriteTimeUtc(path, mtime); // even with the old mtime put back

        using var module = cache.LoadOrCompile(_engine, Fingerprint, path);
        Assert.Equal(43, CacheTestModules.Answer(_engine, module));
        Assert.Equal(2, cache.Stats.Misses);
    }

    [Fact]
    [Trait("Needs", "root")]
    public void Cache_directory_owned_by_another_user_is_refused()
    {
        Directory.CreateDirectory(_modules.CacheRoot);
        // Needs root to chown; the tests run as root (as in CI).
        CommandRunner.Check("chown", "4242", _modules.CacheRoot);
        var e = Assert.Throws<IOException>(() => new PrecompileCache(_modules.CacheRoot));
        Assert.Contains("4242", e.Message);
    }

    [Fact]
    public void Different_engine_fingerprint_is_a_different_entry()
    {
        var path = _modules.Write("a.wasm", 42);
        var cache = new PrecompileCache(_modules.CacheRoot);
        cache.LoadOrCompile(_engine, Fingerprint, path).Dispose();
        cache.LoadOrCompile(_engine, "other-config", path).Dispose();
        Assert.Equal(2, cache.Stats.Misses);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(_modules.CacheRoot, "keys")).Length);
    }

    [Fact]
    public void Key_depends_on_module_wasmtime_version_and_fingerprint()
    {
        var baseKey = CacheKey.Compute("aa", "50.0.1", "f");
        Assert.Equal(baseKey, CacheKey.Compute("aa", "50.0.1", "f"));
        Assert.NotEqual(baseKey, CacheKey.Compute("ab", "50.0.1", "f"));
        Assert.NotEqual(baseKey, CacheKey.Compute("aa", "50.0.2", "f"));
        Assert.NotEqual(baseKey, CacheKey.Compute("aa", "50.0.1", "g"));
        Assert.StartsWith("50.0.1", CacheKey.WasmtimeVersion);
    }

    [Fact]
    public void Only_the_owner_writes_the_cache_and_others_can_read_an_entry_only_by_name()
    {
        Directory.CreateDirectory(_modules.CacheRoot);
        File.SetUnixFileMode(_modules.CacheRoot, (UnixFileMode)0b111_111_111); // 0777, as if created carelessly
        var cache = new PrecompileCache(_modules.CacheRoot);
        cache.LoadOrCompile(_engine, Fingerprint, _modules.Write("a.wasm", 42)).Dispose();

        const UnixFileMode searchable = (UnixFileMode)0b111_001_001; // 0711: others pass through, never list
        Assert.Equal(searchable, File.GetUnixFileMode(_modules.CacheRoot));
        foreach (var dir in Directory.GetDirectories(_modules.CacheRoot))
        {
            Assert.Equal(Path.GetFileName(dir) == "tmp" ? (UnixFileMode)0b111_000_000 : searchable, File.GetUnixFileMode(dir));
        }

        var entries = Directory.GetFiles(_modules.CacheRoot, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != ".lock").ToList();
        Assert.NotEmpty(entries);
        foreach (var file in entries)
        {
            Assert.Equal((UnixFileMode)0b110_100_100, File.GetUnixFileMode(file)); // 0644
        }

        Assert.Empty(Directory.GetFiles(Path.Combine(_modules.CacheRoot, "tmp"))); // nothing half-written left behind
    }

    [Fact]
    public void A_cache_written_owner_only_by_an_earlier_version_becomes_readable_by_name_when_its_owner_opens_it()
    {
        var module = _modules.Write("a.wasm", 42);
        new PrecompileCache(_modules.CacheRoot).LoadOrCompile(_engine, Fingerprint, module).Dispose();
        File.WriteAllText(Path.Combine(_modules.CacheRoot, ".lock"), ""); // evictors' lock: readers never need it
        foreach (var path in Directory.GetFileSystemEntries(_modules.CacheRoot, "*", SearchOption.AllDirectories).Append(_modules.CacheRoot))
        {
            File.SetUnixFileMode(path, Directory.Exists(path) ? (UnixFileMode)0b111_000_000 : (UnixFileMode)0b110_000_000);
        }

        _ = new PrecompileCache(_modules.CacheRoot);

        Assert.Equal((UnixFileMode)0b111_001_001, File.GetUnixFileMode(_modules.CacheRoot));
        foreach (var dir in new[] { "keys", "objects", "modules", "verified" })
        {
            var files = Directory.GetFiles(Path.Combine(_modules.CacheRoot, dir));
            Assert.All(files, f => Assert.Equal((UnixFileMode)0b110_100_100, File.GetUnixFileMode(f)));
        }
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(_modules.CacheRoot, "objects")));
        Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(Path.Combine(_modules.CacheRoot, ".lock")));
    }

    [Fact]
    public void Symlinked_cache_root_is_refused()
    {
        var real = Path.Combine(_modules.Dir, "elsewhere");
        Directory.CreateDirectory(real);
        Directory.CreateSymbolicLink(_modules.CacheRoot, real);
        Assert.Throws<IOException>(() => new PrecompileCache(_modules.CacheRoot));
    }

    [Fact]
    public void Size_bound_evicts_the_least_recently_used_entry()
    {
        var a = _modules.Write("a.wasm", 1);
        var b = _modules.Write("b.wasm", 2);
        var c = _modules.Write("c.wasm", 3);
        var unbounded = new PrecompileCache(_modules.CacheRoot, maxBytes: 0);
        unbounded.LoadOrCompile(_engine, Fingerprint, a).Dispose();
        unbounded.LoadOrCompile(_engine, Fingerprint, b).Dispose();
        var twoEntries = unbounded.Stats.Bytes;

        // Room for two entries (plus slack, less than a third one).
        var cache = new PrecompileCache(_modules.CacheRoot, maxBytes: twoEntries + twoEntries / 4);
        var keys = Path.Combine(_modules.CacheRoot, "keys");
        var old = DateTime.UtcNow.AddMinutes(-10);
        foreach (var key in Directory.GetFiles(keys))
        {
            File.SetLastWriteTimeUtc(key, old); // both entries last used long ago...
        }

        cache.LoadOrCompile(_engine, Fingerprint, a).Dispose(); // ...then a is used again: b is now the LRU entry
        Assert.Equal(1, cache.Stats.Hits);

        cache.LoadOrCompile(_engine, Fingerprint, c).Dispose();

        Assert.Equal(1, cache.Stats.Evictions);
        Assert.Equal(2, cache.Stats.Entries);
        Assert.True(cache.Stats.Bytes <= twoEntries + twoEntries / 4);
        cache.LoadOrCompile(_engine, Fingerprint, a).Dispose();
        cache.LoadOrCompile(_engine, Fingerprint, c).Dispose();
        Assert.Equal(3, cache.Stats.Hits); // a and c survived
        using var module = cache.LoadOrCompile(_engine, Fingerprint, b);
        Assert.Equal(2, cache.Stats.Misses); // c, then b: b was the one evicted
        Assert.Equal(2, CacheTestModules.Answer(_engine, module));
    }

    [Fact]
    public void Concurrent_loaders_of_one_module_all_get_a_working_module_and_one_entry()
    {
        var path = _modules.Write("a.wasm", 42);
        var results = new int[8];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            // Separate instances, as separate shim processes would have.
            var cache = new PrecompileCache(_modules.CacheRoot);
            using var module = cache.LoadOrCompile(_engine, Fingerprint, path);
            results[i] = CacheTestModules.Answer(_engine, module);
        });

        Assert.All(results, r => Assert.Equal(42, r));
        Assert.Single(Objects());
        Assert.Single(Directory.GetFiles(Path.Combine(_modules.CacheRoot, "keys")));
        Assert.Empty(Directory.GetFiles(Path.Combine(_modules.CacheRoot, "tmp")));
        using var last = new PrecompileCache(_modules.CacheRoot).LoadOrCompile(_engine, Fingerprint, path);
        Assert.Equal(42, CacheTestModules.Answer(_engine, last));
    }
}
