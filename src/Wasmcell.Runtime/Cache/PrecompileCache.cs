using System.Security.Cryptography;
using System.Text;
using Wasmcell.Linux;
using Wasmtime;
using Wasmtime.Components;

namespace Wasmcell.Runtime.Cache;

/// <summary>
/// Compiled modules on disk, so a container whose module was seen before starts without Cranelift.
/// <para>Layout under <c>root</c> (owned by the writer's euid; only it writes; directories 0711 and entries 0644, so a
/// cell running as another uid reads an entry it can name, see <see cref="SearchableDirMode"/>):</para>
/// <list type="bullet">
/// <item><c>keys/&lt;key&gt;</c>: the <see cref="ContentDigest"/> of the serialized module for that key
/// (<see cref="CacheKey"/>: module sha256, Wasmtime version, engine fingerprint, and a marker for components). Its mtime is the
/// entry's last use, which eviction orders by (atime is unreliable under relatime/noatime).</item>
/// <item><c>objects/&lt;digest hex&gt;.cwasm</c>: <c>Module.Serialize</c> (or <c>Component.Serialize</c>) output, named by its own digest.</item>
/// <item><c>modules/&lt;id&gt;</c>: sha256 of a module file, remembered per file identity (inode, size,
/// mtime, ctime), so a hit does not read and hash a multi-MB module again (see <see cref="ModuleDigestMemo"/>).</item>
/// <item><c>verified/&lt;id&gt;</c>: an object's digest, remembered per object file identity once it was
/// checked, so a hit does not hash megabytes of machine code on every start (the same identity argument
/// as for modules: any write or replacement of the file changes its inode, mtime or ctime).</item>
/// <item><c>tmp/</c>: files being written; renamed into place, so readers see whole files or none.</item>
/// </list>
/// <para>Wasmtime trusts a serialized module blindly (a flipped byte loads without error and becomes
/// machine code), so every load hashes the object and compares it with the key's recorded digest
/// before <c>Module.DeserializeFile</c>; a mismatch removes the entry and recompiles. Objects are
/// immutable once renamed in and only ever replaced by a file of the same name, i.e. the same bytes,
/// so the checked file is the loaded file unless someone with root rewrites it in place.</para>
/// <para>Safe for concurrent processes: writers race only on renames of identical content; a reader
/// whose entry is evicted under it sees a missing file and compiles; eviction holds an exclusive
/// lock on <c>.lock</c> so two evictors do not fight.</para>
/// </summary>
public sealed class PrecompileCache
{
    /// <summary>Where the shim and <c>wasmcell precompile</c> keep compiled code by default.</summary>
    public const string DefaultRoot = "/var/lib/wasmcell/precompiled";

    /// <summary>Default bound: large enough for dozens of multi-MB apps, small for a node disk.</summary>
    public const long DefaultMaxBytes = 1L << 30;

    /// <summary>
    /// Others may pass through but not list: an entry is reached only by a name derived from the module itself (its
    /// sha256, or a file identity for the memos), so a reader learns nothing the module does not already tell, while
    /// a Wasm cell running as the spec's non-root uid still finds the code compiled for it.
    /// </summary>
    internal const UnixFileMode SearchableDirMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
    internal const UnixFileMode ReadableFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode OwnerOnlyDirMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private static readonly TimeSpan StaleTempAge = TimeSpan.FromHours(1);

    private readonly string _keys;
    private readonly string _objects;
    private readonly string _tmp;
    private readonly ModuleDigestMemo _memo;
    private readonly ModuleDigestMemo _verified;
    private readonly long _maxBytes;
    private readonly bool _readOnly;
    private long _hits;
    private long _misses;
    private long _rejected;
    private long _evictions;

    /// <param name="root">Cache directory; created 0711, set to 0711 if it exists with other permissions (entries
    /// written 0600 by earlier versions become 0644), refused if it is a symlink or owned by another user.</param>
    /// <param name="maxBytes">Bound on the objects' total size; 0 or less means unbounded.</param>
    public PrecompileCache(string root, long maxBytes = DefaultMaxBytes)
        : this(root, maxBytes, readOnly: false)
    {
    }

    private PrecompileCache(string root, long maxBytes, bool readOnly)
    {
        _readOnly = readOnly;
        Root = Path.GetFullPath(root);
        _maxBytes = maxBytes;
        _keys = Path.Combine(Root, "keys");
        _objects = Path.Combine(Root, "objects");
        _tmp = Path.Combine(Root, "tmp");
        var modules = Path.Combine(Root, "modules");
        var verified = Path.Combine(Root, "verified");
        foreach (var dir in new[] { Root, _keys, _objects, modules, verified, _tmp })
        {
            // Read-only, only the root must be there: a cache nothing was compiled into yet has no subdirectories.
            if (!readOnly || dir == Root || Directory.Exists(dir))
            {
                EnsureDirectory(dir, dir == _tmp ? OwnerOnlyDirMode : SearchableDirMode, create: !readOnly);
            }
        }

        Action<string, byte[]> write = readOnly ? (_, _) => { } : WriteAtomically;
        _memo = new ModuleDigestMemo(modules, write);
        _verified = new ModuleDigestMemo(verified, write);
    }

    /// <summary>
    /// The cache as a Wasm cell sees it: mounted read-only in its root (cell_sandbox.c), so it loads what is there
    /// and compiles a miss without storing it; the daemon has the miss compiled into the cache by a separate
    /// sandboxed process that never runs guest code, so no cell can write code another cell will execute.
    /// </summary>
    public static PrecompileCache OpenReadOnly(string root) => new(root, 0, readOnly: true);

    /// <summary>Lookups that found nothing usable and compiled (cheap, unlike <see cref="Stats"/>).</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>
    /// Remembers the sha256 of a module file whose bytes the caller has read (the daemon, on a cell's miss: cells
    /// cannot write the memo, and without it every cell would hash the module again, loading OpenSSL to do it).
    /// </summary>
    public void RememberModule(string readablePath, ReadOnlySpan<byte> content)
    {
        if (FileIdentity.Of(readablePath, followSymlinks: true) is { } identity)
        {
            _memo.Remember(identity, Convert.ToHexStringLower(SHA256.HashData(content)));
        }
    }

    /// <summary>
    /// Remembers a module file's sha256 taken from the key a read-only reader (a cell) hit, a key only ever being
    /// made from the module's own digest (<see cref="CacheKey"/>): the next cell of the same image file then hashes
    /// nothing (and loads no OpenSSL). Nothing is written when the memo already says so.
    /// </summary>
    public void RememberModuleOfKey(string readablePath, string key)
    {
        var sha = key.Length > 64 && key[64] == '-' ? key[..64] : "";
        if (sha.Length != 64 || sha.AsSpan().ContainsAnyExcept("0123456789abcdef")
            || FileIdentity.Of(readablePath, followSymlinks: true) is not { } identity || _memo.Find(identity) == sha)
        {
            return;
        }
        _memo.Remember(identity, sha);
    }

    /// <summary>The key of the last hit: a read-only cache cannot record the use, so its owner does (<see cref="RecordUse"/>).</summary>
    public string? LastHitKey { get; private set; }

    /// <summary>
    /// Records a hit a read-only reader reported (a cell): the key's mtime is the entry's last use, which eviction
    /// orders by. <paramref name="key"/> comes from that reader, so it is only ever a key's name, never a path.
    /// </summary>
    public static bool RecordUse(string root, string key)
    {
        if (key.Length is 0 or > 200 || key.AsSpan().ContainsAnyExcept("0123456789abcdef-"))
        {
            return false;
        }
        var path = Path.Combine(root, "keys", key);
        if (!File.Exists(path))
        {
            return false;
        }
        Touch(path);
        return true;
    }

    public string Root { get; }

    public CacheStats Stats
    {
        get
        {
            var objects = ListObjects();
            return new CacheStats(
                Interlocked.Read(ref _hits), Interlocked.Read(ref _misses), Interlocked.Read(ref _rejected), Interlocked.Read(ref _evictions),
                objects.Count, objects.Sum(o => o.Length));
        }
    }

    /// <summary>Loads or compiles <paramref name="modulePath"/> for the process's <see cref="WasmEngine"/>.</summary>
    public Module LoadOrCompile(WasmEngine engine, string modulePath) =>
        LoadOrCompile(engine.Engine, engine.ConfigFingerprint, modulePath);

    /// <summary>Loads the compiled module for <paramref name="modulePath"/> from the cache, or compiles and stores it.</summary>
    /// <param name="engine">The engine the module is for; its Config must be what <paramref name="engineFingerprint"/> describes.</param>
    /// <param name="engineFingerprint">A stable hash of the engine Config (the shim's <c>WasmEngine.ConfigFingerprint</c>).</param>
    /// <param name="modulePath">The <c>.wasm</c> file.</param>
    public Module LoadOrCompile(Engine engine, string engineFingerprint, string modulePath) =>
        LoadOrCompile(CompiledKind.Module(engine), engineFingerprint, modulePath);

    /// <summary>As above, for module bytes already in memory (e.g. read from an artifact layer).</summary>
    public Module LoadOrCompile(Engine engine, string engineFingerprint, byte[] moduleBytes, string name) =>
        LoadOrCompile(CompiledKind.Module(engine), engineFingerprint, moduleBytes, name);

    /// <summary>Loads the compiled component for <paramref name="componentPath"/> from the cache, or compiles and stores it.</summary>
    public Component LoadOrCompileComponent(Engine engine, string engineFingerprint, string componentPath) =>
        LoadOrCompile(CompiledKind.Component(engine), engineFingerprint, componentPath);

    /// <summary>As above, for component bytes already in memory.</summary>
    public Component LoadOrCompileComponent(Engine engine, string engineFingerprint, byte[] componentBytes, string name) =>
        LoadOrCompile(CompiledKind.Component(engine), engineFingerprint, componentBytes, name);

    /// <summary>
    /// Fills the cache with <paramref name="bytes"/>, a core module or a component (told apart by its header), as
    /// <c>wasmcell precompile</c> and the daemon's precompile process do. Returns whether it was there already.
    /// </summary>
    public bool Warm(Engine engine, string engineFingerprint, byte[] bytes, string name)
    {
        var hits = Interlocked.Read(ref _hits);
        if (ModuleLoader.Sniff(bytes.AsSpan(0, Math.Min(bytes.Length, 64))) == ModuleKind.Component)
        {
            LoadOrCompileComponent(engine, engineFingerprint, bytes, name).Dispose();
        }
        else
        {
            LoadOrCompile(engine, engineFingerprint, bytes, name).Dispose();
        }
        return Interlocked.Read(ref _hits) > hits;
    }

    private T LoadOrCompile<T>(CompiledKind<T> kind, string engineFingerprint, string modulePath)
        where T : class
    {
        ArgumentException.ThrowIfNullOrEmpty(engineFingerprint);
        var name = Path.GetFileName(modulePath);
        var identity = FileIdentity.Of(modulePath, followSymlinks: true)
                       ?? throw new FileNotFoundException($"Wasm module {modulePath} does not exist", modulePath);
        byte[]? bytes = null;
        var moduleSha = _memo.Find(identity);
        if (moduleSha is null)
        {
            bytes = File.ReadAllBytes(modulePath);
            moduleSha = Convert.ToHexStringLower(SHA256.HashData(bytes));
            _memo.Remember(identity, moduleSha);
        }

        var key = CacheKey.Compute(moduleSha, CacheKey.WasmtimeVersion, engineFingerprint, kind.Marker);
        if (TryLoad(kind, key, name) is { } cached)
        {
            Interlocked.Increment(ref _hits);
            return cached;
        }

        bytes ??= File.ReadAllBytes(modulePath);
        return Compile(kind, key, name, bytes);
    }

    private T LoadOrCompile<T>(CompiledKind<T> kind, string engineFingerprint, byte[] moduleBytes, string name)
        where T : class
    {
        ArgumentException.ThrowIfNullOrEmpty(engineFingerprint);
        var key = CacheKey.Compute(Convert.ToHexStringLower(SHA256.HashData(moduleBytes)), CacheKey.WasmtimeVersion, engineFingerprint, kind.Marker);
        if (TryLoad(kind, key, name) is { } cached)
        {
            Interlocked.Increment(ref _hits);
            return cached;
        }

        return Compile(kind, key, name, moduleBytes);
    }

    private T Compile<T>(CompiledKind<T> kind, string key, string name, byte[] moduleBytes)
        where T : class
    {
        Interlocked.Increment(ref _misses);
        var compiled = kind.Compile(name, moduleBytes);
        if (!_readOnly)
        {
            Store(key, kind.Serialize(compiled));
        }
        return compiled;
    }

    private T? TryLoad<T>(CompiledKind<T> kind, string key, string name)
        where T : class
    {
        var keyPath = Path.Combine(_keys, key);
        string recorded;
        try
        {
            recorded = File.ReadAllText(keyPath).Trim();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        if (!ContentDigest.IsValid(recorded))
        {
            Reject(keyPath, objectPath: null);
            return null;
        }

        var objectPath = ObjectPath(recorded);
        var identity = FileIdentity.Of(objectPath, followSymlinks: false);
        if (identity is null)
        {
            Forget(keyPath); // evicted or removed under us: a plain miss
            return null;
        }

        if (_verified.Find(identity.Value) != ContentDigest.Hex(recorded))
        {
            var actual = ContentDigest.OfFile(objectPath);
            if (actual is null)
            {
                Forget(keyPath);
                return null;
            }

            if (actual != recorded)
            {
                Reject(keyPath, objectPath);
                return null;
            }

            _verified.Remember(identity.Value, ContentDigest.Hex(recorded));
        }

        T module;
        try
        {
            module = kind.DeserializeFile(name, objectPath);
        }
        catch (Exception e) when (e is WasmtimeException or IOException)
        {
            // An intact file Wasmtime still refuses (e.g. evicted between the check and the load)
            // is as useless as a corrupt one.
            Reject(keyPath, objectPath);
            return null;
        }

        if (!_readOnly)
        {
            Touch(keyPath);
        }
        LastHitKey = key;
        return module;
    }

    private void Store(string key, byte[] serialized)
    {
        var digest = ContentDigest.Of(serialized);
        var objectPath = ObjectPath(digest);
        WriteAtomically(objectPath, serialized);
        // Written here, so known good: the first load need not hash it again.
        if (FileIdentity.Of(objectPath, followSymlinks: false) is { } written)
        {
            _verified.Remember(written, ContentDigest.Hex(digest));
        }
        WriteAtomically(Path.Combine(_keys, key), Encoding.ASCII.GetBytes(digest + "\n"));
        if (_maxBytes > 0)
        {
            Evict(protectedObject: objectPath);
        }
    }

    private void WriteAtomically(string path, byte[] content)
    {
        var temp = Path.Combine(_tmp, $"{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}");
        try
        {
            using (var file = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = OwnerOnlyFileMode,
            }))
            {
                // Readable only once whole, and whatever the writer's umask.
                File.SetUnixFileMode(file.SafeFileHandle, ReadableFileMode);
                file.Write(content);
                file.Flush(flushToDisk: true); // whole file on disk before the name can point at it
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            TryDelete(temp);
        }
    }

    /// <summary>Removes least-recently-used entries until the objects fit in the bound.</summary>
    private void Evict(string protectedObject)
    {
        var total = ListObjects().Sum(o => o.Length);
        if (total <= _maxBytes)
        {
            return;
        }

        using var evictionLock = TryLock();
        if (evictionLock is null)
        {
            return; // another process is evicting right now
        }

        CleanStale();

        // Last use of an object = newest mtime among the keys that point at it; unreferenced objects first.
        var lastUse = new Dictionary<string, DateTime>(StringComparer.Ordinal);
        var keysByObject = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var keyFile in new DirectoryInfo(_keys).EnumerateFiles())
        {
            string recorded;
            try
            {
                recorded = File.ReadAllText(keyFile.FullName).Trim();
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                continue;
            }

            if (!ContentDigest.IsValid(recorded))
            {
                TryDelete(keyFile.FullName);
                continue;
            }

            var objectPath = ObjectPath(recorded);
            if (!keysByObject.TryGetValue(objectPath, out var keys))
            {
                keysByObject[objectPath] = keys = [];
            }

            keys.Add(keyFile.FullName);
            var used = keyFile.LastWriteTimeUtc;
            lastUse[objectPath] = lastUse.TryGetValue(objectPath, out var other) && other > used ? other : used;
        }

        var byAge = ListObjects()
            .OrderBy(o => lastUse.GetValueOrDefault(o.FullName, DateTime.MinValue))
            .ThenBy(o => o.Name, StringComparer.Ordinal);
        foreach (var victim in byAge)
        {
            if (total <= _maxBytes)
            {
                break;
            }

            if (victim.FullName == protectedObject)
            {
                continue;
            }

            foreach (var keyPath in keysByObject.GetValueOrDefault(victim.FullName) ?? [])
            {
                TryDelete(keyPath);
            }

            TryDelete(victim.FullName);
            total -= victim.Length;
            Interlocked.Increment(ref _evictions);
        }
    }

    private FileStream? TryLock()
    {
        var lockPath = Path.Combine(Root, ".lock");
        for (var attempt = 0; attempt < 50; attempt++)
        {
            try
            {
                // On Unix, FileShare.None takes an exclusive advisory flock on the file.
                return new FileStream(lockPath, new FileStreamOptions
                {
                    Mode = FileMode.OpenOrCreate,
                    Access = FileAccess.ReadWrite,
                    Share = FileShare.None,
                    UnixCreateMode = OwnerOnlyFileMode,
                });
            }
            catch (IOException)
            {
                Thread.Sleep(10);
            }
        }

        return null;
    }

    /// <summary>Drops temp files of crashed writers and module memos nobody used for a long time.</summary>
    private void CleanStale()
    {
        foreach (var temp in new DirectoryInfo(_tmp).EnumerateFiles())
        {
            if (DateTime.UtcNow - temp.LastWriteTimeUtc > StaleTempAge)
            {
                TryDelete(temp.FullName);
            }
        }

        _memo.Prune(DateTime.UtcNow - ModuleDigestMemo.MaxAge);
        _verified.Prune(DateTime.UtcNow - ModuleDigestMemo.MaxAge);
    }

    /// <summary>A bad entry: removed, unless this is a read-only reader (the owner's compile repairs it).</summary>
    private void Reject(string keyPath, string? objectPath)
    {
        Interlocked.Increment(ref _rejected);
        Forget(keyPath);
        if (objectPath is not null)
        {
            Forget(objectPath);
        }
    }

    private void Forget(string path)
    {
        if (!_readOnly)
        {
            TryDelete(path);
        }
    }

    private List<FileInfo> ListObjects() =>
        [.. new DirectoryInfo(_objects).EnumerateFiles("*.cwasm")];

    private string ObjectPath(string digest) => Path.Combine(_objects, ContentDigest.Hex(digest) + ".cwasm");

    private static void Touch(string path)
    {
        try
        {
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
        }
        catch (IOException)
        {
            // Evicted meanwhile; the module is already loaded.
        }
    }

    internal static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    private static void EnsureDirectory(string path, UnixFileMode mode, bool create)
    {
        var existing = FileIdentity.Of(path, followSymlinks: false);
        if (existing is { } found && (found.Mode & 0xF000) == 0xA000)
        {
            throw new IOException($"the precompile cache directory '{path}' is a symbolic link; refusing to use it");
        }

        if (existing is null && !create)
        {
            throw new DirectoryNotFoundException($"the precompile cache directory '{path}' does not exist");
        }

        if (existing is null)
        {
            Directory.CreateDirectory(path, mode);
            existing = FileIdentity.Of(path, followSymlinks: false);
        }

        // Compiled code from this directory is executed: only its owner may write it. A reader (a cell, which may
        // run as the spec's uid) trusts the owner it would also trust to write, or root.
        var euid = Libc.GetEuid();
        var owner = existing!.Value.Uid;
        if (owner != euid && (create || owner != 0))
        {
            throw new IOException($"the precompile cache directory '{path}' belongs to uid {owner}, not to uid {euid}; refusing to use it");
        }

        if (create && File.GetUnixFileMode(path) != mode)
        {
            File.SetUnixFileMode(path, mode);
            if (mode == SearchableDirMode)
            {
                MakeEntriesReadable(path);
            }
        }
    }

    /// <summary>Entries of a cache written before directories became searchable were 0600.</summary>
    private static void MakeEntriesReadable(string directory)
    {
        foreach (var file in Directory.EnumerateFiles(directory))
        {
            if (FileIdentity.Of(file, followSymlinks: false) is { } entry && (entry.Mode & 0xF000) == 0x8000 && Path.GetFileName(file) != ".lock")
            {
                File.SetUnixFileMode(file, ReadableFileMode);
            }
        }
    }
}
