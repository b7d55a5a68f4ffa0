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
        try
        {
            // A stream containerd gave no FIFO for (CRI has no stdin) is /dev/null, as for a cell process.
            var streams = stdio.Select(fd => fd >= 0 ? fd : Track(opened, Open("/dev/null", Libc.O_RDWR))).ToArray();
            var first = opened.Count;
            opened.Add(Open(rootfs, Libc.O_PATH | Libc.O_DIRECTORY));
            opened.Add(Open(Path.Join(request.Bundle, "config.json"), Libc.O_RDONLY));
            binds.AddRange(CellSpecBuilder.OpenDirectoryBinds(spec));
            var cell = await SharedCell.GetAsync(log, readyTimeout).ConfigureAwait(false);
            int[] fds = [.. streams, .. opened.Skip(first), .. binds.Select(b => (int)b.Directory.DangerousGetHandle())];
            return await cell.AddAsync(request.Id, entry.ContainerPath, entry.Function,
                binds.Select(b => new SharedCellMessage.Bind(b.Destination, b.ReadOnly)).ToList(), fds,
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
        }
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
        foreach (var (env, annotation) in new[] { (CellSpecBuilder.ListenEnv, CellSpecBuilder.ListenAnnotation), (CellSpecBuilder.SocketsEnv, CellSpecBuilder.SocketsAnnotation) })
        {
            if (spec.Process?.Env?.Any(e => e.StartsWith(env + "=", StringComparison.Ordinal)) == true || spec.Annotations?.ContainsKey(annotation) == true)
            {
                throw new NotSupportedException($"{env} / {annotation}: sockets are not available in shared mode yet (the shared cell has no network); run it in independent mode");
            }
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
