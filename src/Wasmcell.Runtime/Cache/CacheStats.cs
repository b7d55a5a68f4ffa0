namespace Wasmcell.Runtime.Cache;

/// <summary>What one <see cref="PrecompileCache"/> instance did, plus the cache's size on disk now.</summary>
/// <param name="Hits">Loads served from a verified precompiled file.</param>
/// <param name="Misses">Loads that compiled (no entry, or a rejected one).</param>
/// <param name="Rejected">Entries whose digest did not match (flipped byte, swapped file) or that Wasmtime refused; removed.</param>
/// <param name="Evictions">Entries removed to stay within the size bound.</param>
/// <param name="Entries">Precompiled files on disk.</param>
/// <param name="Bytes">Their total size.</param>
public sealed record CacheStats(long Hits, long Misses, long Rejected, long Evictions, int Entries, long Bytes);
