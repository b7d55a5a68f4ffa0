using Wasmcell.Oci.RuntimeSpec;
using Wasmcell.Runtime;
using Wasmcell.Shim.Processes;
using Wasmcell.Wasi;

namespace Wasmcell.Shim.Cell;

/// <summary>
/// Turns config.json into what the guest may see: args, env, the rootfs preopened as `/` (read-only when
/// root.readonly says so), each directory bind mount at its destination, and the memory cap.
/// </summary>
internal static class CellSpecBuilder
{
    public static CellSpec Build(Spec oci, CellLaunch launch)
    {
        var process = oci.Process ?? new Process();
        var readOnlyRoot = oci.Root?.Readonly ?? false;
        var preopens = new List<Preopen> { new(launch.Rootfs, "/", readOnlyRoot) };
        var cwd = string.IsNullOrEmpty(process.Cwd) ? "/" : process.Cwd;
        if (cwd != "/")
        {
            // Older wasi-libc (wasi_unstable era) resolves relative paths against a "." preopen.
            preopens.Add(new Preopen(Path.Join(launch.Rootfs, cwd), ".", readOnlyRoot));
        }
        foreach (var m in oci.Mounts ?? [])
        {
            if (IsDirectoryBind(m))
            {
                var ro = m.Options?.Contains("ro") == true;
                preopens.Add(new Preopen(m.Source!, m.Destination, ro));
            }
        }
        var args = process.Args is { Count: > 0 } a ? new List<string>(a) : [launch.Entry];
        if (launch.Function is not null)
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
            MemoryLimitBytes = oci.Linux?.Resources?.Memory?.Limit is > 0 and var limit ? limit : null,
        };
    }

    private static bool IsDirectoryBind(Mount m) =>
        (m.Type == "bind" || m.Options?.Contains("bind") == true || m.Options?.Contains("rbind") == true)
        && !string.IsNullOrEmpty(m.Source) && Directory.Exists(m.Source);
}
