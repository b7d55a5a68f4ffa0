using Wasmcell.Oci.RuntimeSpec;
using Wasmcell.Linux;

namespace Wasmcell.Cell;

/// <summary>
/// Joins the namespaces config.json names by path (the pod's network, IPC and UTS namespaces). setns
/// changes the calling thread only, and that is the thread that runs the guest and opens its sockets.
/// A new (pathless) namespace of these types is left alone: the guest reaches neither the host's IPC
/// nor its hostname through WASI, and a cell has no network of its own to configure.
/// </summary>
public static class NamespaceJoiner
{
    private static readonly Dictionary<string, int> Joinable = new(StringComparer.Ordinal)
    {
        ["network"] = Libc.CLONE_NEWNET,
        ["ipc"] = Libc.CLONE_NEWIPC,
        ["uts"] = Libc.CLONE_NEWUTS,
    };

    public static void Join(Spec spec)
    {
        foreach (var ns in spec.Linux?.Namespaces ?? [])
        {
            if (string.IsNullOrEmpty(ns.Path) || !Joinable.TryGetValue(ns.Type, out var type))
            {
                continue;
            }
            var fd = Libc.Open(ns.Path, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
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
}
