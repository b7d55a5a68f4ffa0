using Wasmcell.Linux;
using Wasmcell.Oci.RuntimeSpec;

namespace Wasmcell.Cell;

/// <summary>
/// Puts the cell's main thread, the one that runs the guest and opens its sockets, in the namespaces
/// config.json asks for: it joins those given by path (a pod's network, IPC and UTS namespaces) and makes a
/// new one where no path is given (`ctr run` without --net-host: a network namespace with only lo, up).
/// Network, IPC, UTS and cgroup namespaces are per thread, so the cell can do this itself. A new pid or mount
/// namespace cannot be made by a running multithreaded process: those are reported, not silently dropped.
/// User namespaces are refused.
/// </summary>
public static class NamespaceJoiner
{
    private static readonly Dictionary<string, int> PerThread = new(StringComparer.Ordinal)
    {
        ["network"] = Libc.CLONE_NEWNET,
        ["ipc"] = Libc.CLONE_NEWIPC,
        ["uts"] = Libc.CLONE_NEWUTS,
        ["cgroup"] = Libc.CLONE_NEWCGROUP,
    };

    /// <summary>Joins or makes the spec's namespaces; returns the types asked for that the cell could not apply.</summary>
    public static IReadOnlyList<string> Join(Spec spec)
    {
        var notApplied = new List<string>();
        foreach (var ns in spec.Linux?.Namespaces ?? [])
        {
            if (ns.Type == "user")
            {
                throw new NotSupportedException(
                    "the spec asks for a user namespace (Kubernetes hostUsers: false, or uid/gid mappings), which io.containerd.wasm.v1 does not support yet; run the pod with hostUsers: true");
            }
            if (!PerThread.TryGetValue(ns.Type, out var type))
            {
                notApplied.Add(ns.Type);
                continue;
            }
            if (string.IsNullOrEmpty(ns.Path))
            {
                New(ns.Type, type, spec);
            }
            else
            {
                JoinPath(ns, type);
            }
        }
        return notApplied;
    }

    private static void New(string name, int type, Spec spec)
    {
        Namespaces.Unshare(type, name);
        if (type == Libc.CLONE_NEWNET)
        {
            Namespaces.BringUpLoopback();
        }
        else if (type == Libc.CLONE_NEWUTS && !string.IsNullOrEmpty(spec.Hostname))
        {
            Namespaces.SetHostname(spec.Hostname);
        }
    }

    private static void JoinPath(Namespace ns, int type)
    {
        var fd = Libc.Open(ns.Path!, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw Libc.IoError($"open {ns.Type} namespace {ns.Path}", Libc.Errno);
        }
        try
        {
            if (Libc.Setns(fd, type) != 0)
            {
                throw Libc.IoError($"join {ns.Type} namespace {ns.Path}", Libc.Errno);
            }
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}
