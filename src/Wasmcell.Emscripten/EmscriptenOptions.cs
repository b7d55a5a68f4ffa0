using Microsoft.Win32.SafeHandles;
using Wasmcell.Wasi;

namespace Wasmcell.Emscripten;

/// <summary>
/// What an Emscripten guest may see; default-deny like <see cref="WasiOptions"/>. The directories are the same
/// preopens the WASI host gets: "." is the process cwd (relative paths), "/" the rootfs (absolute paths), any
/// other absolute name a mount the longest-matching absolute path resolves beneath.
/// </summary>
public sealed class EmscriptenOptions
{
    /// <summary>argv, argv[0] included.</summary>
    public List<string> Args { get; } = new();

    /// <summary>"KEY=VALUE", what `environ` and getenv see.</summary>
    public List<string> Env { get; } = new();

    public List<Preopen> Preopens { get; } = new();

    public SafeFileHandle? Stdin { get; set; }
    public SafeFileHandle? Stdout { get; set; }
    public SafeFileHandle? Stderr { get; set; }

    /// <summary>Whether socketcall(2) may create sockets (README "Networking"); otherwise socket() is EACCES.</summary>
    public bool AllowSockets { get; set; }
}
