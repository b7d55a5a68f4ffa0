using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;

namespace Wasmcell.Wasi;

/// <summary>
/// What the guest may see. Default-deny: no args, no env, no directories, no sockets, stdio bound
/// to nothing (stdin reads EOF, output is discarded) unless listed here.
/// </summary>
public sealed class WasiOptions
{
    /// <summary>argv, args[0] included.</summary>
    public List<string> Args { get; } = new();

    /// <summary>Environment as "KEY=VALUE" strings, passed verbatim.</summary>
    public List<string> Env { get; } = new();

    /// <summary>Preopened directories, fds 3.. in this order.</summary>
    public List<Preopen> Preopens { get; } = new();

    /// <summary>Any host fd (FIFO, pipe, file, tty). The host dups it; the caller keeps ownership. Null: empty.</summary>
    public SafeFileHandle? Stdin { get; set; }

    /// <summary>Any host fd; written as is (no truncation, O_APPEND honoured). Null: discarded.</summary>
    public SafeFileHandle? Stdout { get; set; }

    /// <summary>Any host fd; written as is. Null: discarded.</summary>
    public SafeFileHandle? Stderr { get; set; }

    /// <summary>Listening TCP sockets handed to the guest as fds after the preopens (preview1 sock_accept).</summary>
    public List<Socket> Listeners { get; } = new();

    /// <summary>
    /// Enables the WasmEdge socket extension (sock_open, sock_bind, sock_connect, ...). When false
    /// those functions still link (so such modules instantiate) but return ENOTCAPABLE. The Emscripten
    /// host reads it too: its socketcall creates sockets only when this is set.
    /// </summary>
    public bool AllowSocketExtension { get; set; }
}
