namespace Wasmcell.IntegrationTests.Infrastructure;

/// <summary>Watches the precompile cache the daemon fills after a cell's miss (its log line may come after containerd stopped reading).</summary>
internal static class PrecompileKeys
{
    /// <summary>Cache keys written since <paramref name="since"/>, in the private containerd's cache or the default one.</summary>
    public static int WrittenSince(PrivateContainerd containerd, DateTime since) =>
        new[] { containerd.PrecompileDir, "/var/lib/wasmcell/precompiled" }.Select(d => Path.Combine(d, "keys")).Where(Directory.Exists)
            .Sum(d => new DirectoryInfo(d).EnumerateFiles().Count(f => f.LastWriteTimeUtc >= since));

    /// <summary>
    /// Whether an entry for exactly these bytes is there: keys start with the module's sha256, so a key another test's
    /// hit touched meanwhile (the daemon records each use as the key's mtime) does not count.
    /// </summary>
    /// <summary>The module with a custom section of its own: bytes no cache has seen.</summary>
    public static byte[] UniqueModule(byte[] module)
    {
        var name = "wasmcell-test"u8.ToArray();
        var payload = Guid.NewGuid().ToByteArray();
        var size = 1 + name.Length + payload.Length;
        return [.. module, 0x00, (byte)size, (byte)name.Length, .. name, .. payload];
    }

    public static bool HasEntryFor(PrivateContainerd containerd, byte[] wasm)
    {
        var prefix = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(wasm)) + "-";
        return new[] { containerd.PrecompileDir, "/var/lib/wasmcell/precompiled" }.Select(d => Path.Combine(d, "keys")).Where(Directory.Exists)
            .Any(d => new DirectoryInfo(d).EnumerateFiles(prefix + "*").Any());
    }
}
