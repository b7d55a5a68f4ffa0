using System.Text;

namespace Wasmcell.Runtime.Cache;

/// <summary>
/// Remembers the sha256 of module files by identity (inode, size, mtime and ctime in ns), so a cache
/// hit does not read and hash a multi-MB module (≈3 ms per 4.6 MB here) on every start. The device
/// is left out on purpose: every container's rootfs is its own overlay mount (a new st_dev) over
/// the same layer files (same st_ino). Any write to a file moves its ctime, which no user can set,
/// so an unchanged identity means unchanged content. Lives in the root-only cache dir, which is
/// trusted exactly as much as the keys are.
/// </summary>
internal sealed class ModuleDigestMemo(string directory, Action<string, byte[]> writeAtomically)
{
    /// <summary>Memos unused this long are dropped by eviction (they are tiny; this only bounds their number).</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(30);

    public string? Find(FileIdentity identity)
    {
        var path = PathOf(identity);
        string text;
        try
        {
            text = File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        if (text.Length != 64 || text.AsSpan().ContainsAnyExcept("0123456789abcdef"))
        {
            PrecompileCache.TryDelete(path);
            return null;
        }

        return text;
    }

    public void Remember(FileIdentity identity, string sha256Hex) =>
        writeAtomically(PathOf(identity), Encoding.ASCII.GetBytes(sha256Hex + "\n"));

    public void Prune(DateTime olderThan)
    {
        foreach (var memo in new DirectoryInfo(directory).EnumerateFiles())
        {
            if (memo.LastWriteTimeUtc < olderThan)
            {
                PrecompileCache.TryDelete(memo.FullName);
            }
        }
    }

    // The identity itself names the file: no hashing, so a hit never loads OpenSSL.
    private string PathOf(FileIdentity identity) =>
        Path.Combine(directory, $"{identity.Inode:x}-{identity.Size:x}-{identity.MtimeNs:x}-{identity.CtimeNs:x}");
}
