using System.Reflection;

namespace Wasmcell.Runtime.Cache;

/// <summary>
/// The identity of one precompiled artifact: compiled code is only valid for the same module bytes,
/// the same Wasmtime build and the same engine Config (Cranelift flags, epoch interruption, memory
/// settings all change the machine code). A change of any of the three is a different key.
/// </summary>
internal static class CacheKey
{
    // Bumped when the on-disk layout of the cache changes, so old entries are simply never found.
    private const string LayoutVersion = "wasmcell-precompile-v1";

    /// <summary>The version of the loaded Wasmtime package (which pins the native library).</summary>
    public static string WasmtimeVersion { get; } =
        typeof(Wasmtime.Engine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(Wasmtime.Engine).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>
    /// The module's sha256 (the part an attacker might try to collide) followed by a stable hash of the
    /// rest; no SHA-256 here, so a cache hit never loads OpenSSL.
    /// </summary>
    /// <param name="kindMarker">Null for core modules (their keys predate components); "component" for components,
    /// so the two kinds never share a key.</param>
    public static string Compute(string moduleSha256Hex, string wasmtimeVersion, string engineFingerprint, string? kindMarker = null) =>
        $"{moduleSha256Hex}-{StableHash.Hex64($"{LayoutVersion}\n{wasmtimeVersion}\n{engineFingerprint}{(kindMarker is null ? "" : "\n" + kindMarker)}")}";
}
