using Microsoft.Win32.SafeHandles;
using Wasmcell.Cell.Protocol;
using Wasmcell.Linux;
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

    /// <summary>"allow" or "deny" overrides the socket policy (<see cref="SocketPolicy"/>, README "Networking").</summary>
    public const string SocketsEnv = "WASMCELL_SOCKETS", SocketsAnnotation = "wasmcell.io/sockets";

    /// <summary>A directory bind mount opened by whoever could see its host path (the shared cell cannot).</summary>
    public sealed record OpenedBind(SafeFileHandle Directory, string Destination, bool ReadOnly);

    public static CellSpec Build(Spec oci, CellLaunch launch, ContainerRootfs rootfs) => Build(oci, launch, rootfs, binds: null, Held);

    /// <param name="binds">The spec's directory binds already opened, or null to open their host paths here.</param>
    /// <param name="held">Keeps the preopens' directory handles for as long as the guest may use them.</param>
    /// <param name="listeners">The container's listeners already made (a shared cell's, by the daemon), or null to make
    /// them here, in this thread's network namespace.</param>
    public static CellSpec Build(Spec oci, CellLaunch launch, ContainerRootfs rootfs, IReadOnlyList<OpenedBind>? binds, ICollection<SafeFileHandle> held,
        IReadOnlyList<System.Net.Sockets.Socket>? listeners = null)
    {
        var process = oci.Process ?? new Process();
        var readOnlyRoot = oci.Root?.Readonly ?? false;
        var cwd = string.IsNullOrEmpty(process.Cwd) ? "/" : process.Cwd;
        // Guests built before wasi-libc had a cwd (the seed's demo.wasm, old Rust std) open relative paths
        // only through a preopen named "."; newer wasi-libc strips "/" and "./" from preopen names and
        // lets the last one win, so "/" must come after "." for absolute paths to reach the rootfs.
        // The cwd comes from the spec or the image: opened inside the rootfs, so `..` and symlinks clamp there.
        var preopens = new List<Preopen>
        {
            Hold(held, rootfs.OpenDirectory(cwd, "cwd"), ".", readOnlyRoot),
            Hold(held, rootfs.OpenDirectory("/", "rootfs"), "/", readOnlyRoot),
        };
        // The source is a host directory by definition (runc binds it from the host too); only the
        // destination is the container's, and it is only a name the guest sees.
        foreach (var bind in binds ?? OpenDirectoryBinds(oci))
        {
            preopens.Add(Hold(held, bind.Directory, GuestName(bind.Destination), bind.ReadOnly));
        }
        var args = process.Args is { Count: > 0 } a ? new List<string>(a) : [launch.Entry];
        if (launch.Function is not null && args[0].Contains('#'))
        {
            args[0] = args[0][..args[0].LastIndexOf('#')];
        }
        return new CellSpec
        {
            ModulePath = launch.Entry,
            Entry = launch.Function ?? "_start",
            Args = args,
            Env = process.Env ?? [],
            Preopens = preopens,
            MemoryLimitBytes = oci.Linux?.Resources?.Memory?.Limit is long limit and > 0 ? limit : null,
            Listeners = listeners ?? OpenListeners(oci),
            AllowSocketExtension = SocketPolicy.Allows(oci),
        };
    }

    private static readonly List<SafeFileHandle> Held = [];

    /// <summary>The listeners the container asks for (<see cref="ListenEnv"/>), made in this thread's network namespace.</summary>
    public static List<System.Net.Sockets.Socket> OpenListeners(Spec oci) =>
        Setting(oci, ListenEnv, ListenAnnotation) is { Length: > 0 } listen ? TcpListeners.ListenAll(listen) : [];

    /// <summary>
    /// The preopen is the fd itself, kept open for the cell's life and handed over as a /proc/self/fd path:
    /// no path string built from spec input is resolved again, and the directory stays reachable after the
    /// cell drops its privileges although the bundle above it is 0700.
    /// </summary>
    private static Preopen Hold(ICollection<SafeFileHandle> held, SafeFileHandle directory, string guestPath, bool readOnly)
    {
        held.Add(directory);
        return new Preopen($"/proc/self/fd/{directory.DangerousGetHandle()}", guestPath, readOnly);
    }

    /// <summary>The spec's directory bind mounts, each opened at its host path (O_PATH).</summary>
    public static IReadOnlyList<OpenedBind> OpenDirectoryBinds(Spec oci) =>
        (oci.Mounts ?? []).Where(IsDirectoryBind).Select(m => new OpenedBind(OpenHostDirectory(m.Source!), m.Destination, m.Options?.Contains("ro") == true)).ToList();

    private static SafeFileHandle OpenHostDirectory(string source)
    {
        var fd = Libc.Open(source, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw Libc.IoError($"open bind mount source {source}", Libc.Errno);
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>The destination as the guest names it: absolute, `.` and `..` folded lexically at `/`.</summary>
    internal static string GuestName(string destination)
    {
        var parts = new List<string>();
        foreach (var part in destination.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }
            }
            else if (part != ".")
            {
                parts.Add(part);
            }
        }
        return "/" + string.Join('/', parts);
    }

    /// <summary>The container's env wins over its annotation (CRI passes pod annotations only when configured).</summary>
    public static string? Setting(Spec oci, string env, string annotation)
    {
        var prefix = env + "=";
        var fromEnv = oci.Process?.Env?.LastOrDefault(e => e.StartsWith(prefix, StringComparison.Ordinal));
        if (fromEnv is not null)
        {
            return fromEnv[prefix.Length..];
        }
        return oci.Annotations?.TryGetValue(annotation, out var v) == true ? v : null;
    }

    /// <summary>A mount the guest gets as a preopen (and the cell's sandbox binds into the cell's root).</summary>
    public static bool IsDirectoryBind(Mount m) =>
        (m.Type == "bind" || m.Options?.Contains("bind") == true || m.Options?.Contains("rbind") == true)
        && !string.IsNullOrEmpty(m.Source) && Directory.Exists(m.Source);
}
