using Wasmcell.Linux;
using Wasmcell.Cell.Protocol;
using Wasmcell.Oci.RuntimeSpec;
using Wasmcell.Runtime;
using Wasmcell.Wasi;

namespace Wasmcell.Cell;

/// <summary>
/// Turns config.json into what the guest may see: args, env, the rootfs preopened as `/` (read-only when
/// root.readonly says so), each directory bind mount at its destination, the memory cap, and the network
/// capabilities the container declares (README "Networking"). Call after joining the pod's network
/// namespace: the listeners are created here.
/// </summary>
public static class CellSpecBuilder
{
    /// <summary>Comma-separated HOST:PORT listeners handed to the guest as fds after the preopens.</summary>
    public const string ListenEnv = "WASMCELL_LISTEN", ListenAnnotation = "wasmcell.io/listen";

    /// <summary>"allow" lets the guest open its own sockets (WasmEdge socket extension); default deny.</summary>
    public const string SocketsEnv = "WASMCELL_SOCKETS", SocketsAnnotation = "wasmcell.io/sockets";

    public static CellSpec Build(Spec oci, CellLaunch launch)
    {
        var process = oci.Process ?? new Process();
        var readOnlyRoot = oci.Root?.Readonly ?? false;
        var cwd = string.IsNullOrEmpty(process.Cwd) ? "/" : process.Cwd;
        // Guests built before wasi-libc had a cwd (the seed's demo.wasm, old Rust std) open relative paths
        // only through a preopen named "."; newer wasi-libc strips "/" and "./" from preopen names and
        // lets the last one win, so "/" must come after "." for absolute paths to reach the rootfs.
        var preopens = new List<Preopen>
        {
            new(Path.Join(launch.Rootfs, cwd), ".", readOnlyRoot),
            new(launch.Rootfs, "/", readOnlyRoot),
        };
        foreach (var m in oci.Mounts ?? [])
        {
            if (IsDirectoryBind(m))
            {
                var ro = m.Options?.Contains("ro") == true;
                preopens.Add(new Preopen(m.Source!, m.Destination, ro));
            }
        }
        var args = process.Args is { Count: > 0 } a ? new List<string>(a) : [launch.Entry];
        if (launch.Function is not null && args[0].Contains('#'))
        {
            args[0] = args[0][..args[0].LastIndexOf('#')];
        }
        var listen = Setting(oci, ListenEnv, ListenAnnotation);
        var listeners = string.IsNullOrEmpty(listen) ? [] : TcpListeners.ListenAll(listen);
        // Held open as O_PATH fds and handed over as /proc/self/fd paths: the guest's directories stay
        // reachable after the cell drops its privileges, although the bundle above them is 0700.
        preopens = preopens.Select(Hold).ToList();
        return new CellSpec
        {
            ModulePath = launch.Entry,
            Entry = launch.Function ?? "_start",
            Args = args,
            Env = process.Env ?? [],
            Preopens = preopens,
            MemoryLimitBytes = oci.Linux?.Resources?.Memory?.Limit is long limit and > 0 ? limit : null,
            Listeners = listeners,
            AllowSocketExtension = Setting(oci, SocketsEnv, SocketsAnnotation) == "allow",
        };
    }

    private static readonly List<Microsoft.Win32.SafeHandles.SafeFileHandle> Held = [];

    private static Preopen Hold(Preopen p)
    {
        var fd = Libc.Open(p.HostPath, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw Libc.IoError($"open {p.GuestPath} ({p.HostPath})", Libc.Errno);
        }
        Held.Add(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true));
        return p with { HostPath = $"/proc/self/fd/{fd}" };
    }

    /// <summary>The container's env wins over its annotation (CRI passes pod annotations only when configured).</summary>
    private static string? Setting(Spec oci, string env, string annotation)
    {
        var prefix = env + "=";
        var fromEnv = oci.Process?.Env?.LastOrDefault(e => e.StartsWith(prefix, StringComparison.Ordinal));
        if (fromEnv is not null)
        {
            return fromEnv[prefix.Length..];
        }
        return oci.Annotations?.TryGetValue(annotation, out var v) == true ? v : null;
    }

    private static bool IsDirectoryBind(Mount m) =>
        (m.Type == "bind" || m.Options?.Contains("bind") == true || m.Options?.Contains("rbind") == true)
        && !string.IsNullOrEmpty(m.Source) && Directory.Exists(m.Source);
}
