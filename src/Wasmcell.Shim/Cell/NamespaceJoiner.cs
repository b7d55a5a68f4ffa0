using Wasmcell.Oci.RuntimeSpec;
using Wasmcell.Shim.Interop;

namespace Wasmcell.Shim.Cell;

/// <summary>
/// Joins the namespaces config.json names by path (the pod's). Only the network namespace matters to a
/// Wasm guest (its sockets); setns changes the calling thread only, which is the thread that runs the guest.
/// </summary>
internal static class NamespaceJoiner
{
    public static void Join(Spec spec)
    {
        foreach (var ns in spec.Linux?.Namespaces ?? [])
        {
            if (ns.Type != "network" || string.IsNullOrEmpty(ns.Path))
            {
                continue;
            }
            var fd = Libc.Open(ns.Path, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
            if (fd < 0)
            {
                throw Libc.IoError($"open network namespace {ns.Path}", Libc.Errno);
            }
            try
            {
                if (Libc.Setns(fd, Libc.CLONE_NEWNET) != 0)
                {
                    throw Libc.IoError($"join network namespace {ns.Path}", Libc.Errno);
                }
            }
            finally
            {
                Libc.Close(fd);
            }
        }
    }
}
