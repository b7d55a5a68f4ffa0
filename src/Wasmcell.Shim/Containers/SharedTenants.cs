using Containerd.Task.V2;
using Wasmcell.Cell;
using Wasmcell.Cell.Protocol;
using Wasmcell.Linux;
using Wasmcell.Oci.RuntimeSpec;
using Wasmcell.Shim.Processes;

namespace Wasmcell.Shim.Containers;

/// <summary>
/// Create of a Wasm container in shared mode: what the daemon's shared cell cannot honour per container is refused
/// here, naming it; the rest (rootfs, config.json, directory binds, stdio) is opened here and handed over as fds.
/// </summary>
internal static class SharedTenants
{
    public static async Task<SharedTenantProcess> CreateAsync(CreateTaskRequest request, Spec spec, string rootfs, Entrypoint entry,
        int[] stdio, ShimLog log, TimeSpan readyTimeout)
    {
        Refuse(spec);
        if (!string.IsNullOrEmpty(spec.Linux?.CgroupsPath))
        {
            log.Info($"{request.Id}: shared mode: no cgroup of its own ({spec.Linux.CgroupsPath}); its memory limit is the store's");
        }
        if (spec.Linux?.Seccomp is not null)
        {
            log.Info($"{request.Id}: shared mode: the spec's seccomp profile is not stacked; the shared cell's built-in allow-list applies");
        }
        var opened = new List<int>();
        var binds = new List<CellSpecBuilder.OpenedBind>();
        var listeners = new List<System.Net.Sockets.Socket>();
        try
        {
            // A stream containerd gave no FIFO for (CRI has no stdin) is /dev/null, as for a cell process.
            var streams = stdio.Select(fd => fd >= 0 ? fd : Track(opened, Open("/dev/null", Libc.O_RDWR))).ToArray();
            var first = opened.Count;
            opened.Add(Open(rootfs, Libc.O_PATH | Libc.O_DIRECTORY));
            opened.Add(Open(Path.Join(request.Bundle, "config.json"), Libc.O_RDONLY));
            binds.AddRange(CellSpecBuilder.OpenDirectoryBinds(spec));
            listeners.AddRange(OpenListeners(spec));
            var cell = await SharedCell.GetAsync(log, readyTimeout).ConfigureAwait(false);
            int[] fds = [.. streams, .. opened.Skip(first), .. binds.Select(b => (int)b.Directory.DangerousGetHandle()),
                .. listeners.Select(l => (int)l.Handle)];
            return await cell.AddAsync(request.Id, entry.ContainerPath, entry.Function,
                binds.Select(b => new SharedCellMessage.Bind(b.Destination, b.ReadOnly)).ToList(), listeners.Count, fds,
                spec.Linux?.Resources?.Pids is { Limit: > 0 } p ? (ulong)p.Limit : 0, readyTimeout).ConfigureAwait(false);
        }
        finally
        {
            foreach (var fd in opened)
            {
                Libc.CloseQuietly(fd);
            }
            foreach (var bind in binds)
            {
                bind.Directory.Dispose();
            }
            foreach (var listener in listeners)
            {
                listener.Dispose();
            }
        }
    }

    /// <summary>
    /// The container's listeners (CellSpecBuilder.ListenEnv), made here because the shared cell has no network: in
    /// the network namespace the spec joins (the pod's), or the daemon's own (the host's) when it names none, as a
    /// cell of its own would. A new namespace of its own is something a shared container cannot have.
    /// </summary>
    private static List<System.Net.Sockets.Socket> OpenListeners(Spec spec)
    {
        var network = spec.Linux?.Namespaces?.FirstOrDefault(n => n.Type == "network");
        if (network is null)
        {
            return CellSpecBuilder.OpenListeners(spec);
        }
        if (string.IsNullOrEmpty(network.Path))
        {
            if (string.IsNullOrEmpty(CellSpecBuilder.Setting(spec, CellSpecBuilder.ListenEnv, CellSpecBuilder.ListenAnnotation)))
            {
                return [];
            }
            throw new NotSupportedException(
                $"{CellSpecBuilder.ListenEnv}: shared mode makes a container's listeners in a network namespace it joins (its pod's) or the host's; "
                + "this container asks for a new one of its own, which only a cell of its own has: run it in independent mode, or in a pod");
        }
        return NetworkNamespace.Run(network.Path, () => CellSpecBuilder.OpenListeners(spec));
    }

    /// <summary>What a container of a shared cell cannot have: it has no process, namespaces or credentials of its own.</summary>
    private static void Refuse(Spec spec)
    {
        var user = spec.Process?.User;
        if (user is not null && (user.Uid != 0 || user.Gid != 0))
        {
            throw new NotSupportedException(
                $"shared mode (annotation {Isolation.Annotation}: shared) runs every container as the shared cell's uid 0 without capabilities; "
                + $"this one asks for uid {user.Uid}, gid {user.Gid}: run it in independent mode");
        }
        if (spec.Linux?.Namespaces?.Any(n => n.Type == "user") == true)
        {
            throw new NotSupportedException("shared mode cannot give a container a user namespace of its own: run it in independent mode");
        }
        if (!string.IsNullOrEmpty(CellSpecBuilder.Setting(spec, CellSpecBuilder.SocketsEnv, CellSpecBuilder.SocketsAnnotation)))
        {
            throw new NotSupportedException($"{CellSpecBuilder.SocketsEnv} / {CellSpecBuilder.SocketsAnnotation}: a guest's own sockets are not available in shared mode "
                + $"(the shared cell has no network; listeners from {CellSpecBuilder.ListenEnv} are); run it in independent mode");
        }
        if (LsmLabels.Check(spec, LsmHost.Detect()).AppArmorProfile is { } profile)
        {
            throw new NotSupportedException($"shared mode cannot confine one container with AppArmor profile \"{profile}\": run it in independent mode");
        }
    }

    private static int Track(List<int> opened, int fd)
    {
        opened.Add(fd);
        return fd;
    }

    private static int Open(string path, int flags)
    {
        var fd = Libc.Open(path, flags | Libc.O_CLOEXEC, 0);
        return fd >= 0 ? fd : throw Libc.IoError($"open {path}", Libc.Errno);
    }
}
