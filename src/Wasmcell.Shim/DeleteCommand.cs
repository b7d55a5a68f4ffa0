using Wasmcell.Cell.Protocol;
using Wasmcell.Cgroups;
using Wasmcell.Linux;
using Wasmcell.Shim.Containers;
using Wasmcell.Shim.Processes;

namespace Wasmcell.Shim;

/// <summary>
/// The `delete` action (SPEC §2.7): containerd runs it after every container stop and after a shim died.
/// It cleans up only this id — a live daemon may still serve the pod's other containers — and prints a
/// DeleteResponse. Idempotent, and fast (5 s budget): no engine start.
/// </summary>
public static class DeleteCommand
{
    public static int Run(ShimFlags flags)
    {
        var bundle = DeleteReply.BundleOf(flags);
        if (!DeleteReply.IsCleaned(bundle))
        {
            var pid = DeleteReply.ReadInt(Path.Join(bundle, BundleFiles.InitPid));
            if (DeleteReply.ReadText(Path.Join(bundle, BundleFiles.Kind)) == "native")
            {
                RuncProcess.ForceDeleteAsync(bundle, flags.Namespace, flags.Id).GetAwaiter().GetResult();
            }
            else
            {
                if (pid > 0 && IsOurCell(pid, bundle))
                {
                    Libc.Kill(pid, Signals.SIGKILL);
                }
                // The daemon made the cell's cgroup; with the daemon dead, nobody else removes it.
                RemoveCellCgroup(bundle, pid);
            }
            RootfsMounts.UnmountAll(Path.Join(bundle, "rootfs"));
        }
        DeleteReply.RemoveStaleSocket(bundle);
        DeleteReply.Write(bundle);
        return 0;
    }

    private static void RemoveCellCgroup(string bundle, int pid)
    {
        string? path;
        try
        {
            path = Oci.RuntimeSpec.SpecLoader.Load(Path.Join(bundle, "config.json")).Linux?.CgroupsPath;
        }
        catch (InvalidDataException)
        {
            return;
        }
        if (string.IsNullOrEmpty(path))
        {
            return;
        }
        // A killed process leaves the cgroup only once it is reaped (by init, after its shim died).
        for (var i = 0; i < 40 && pid > 0 && Directory.Exists($"/proc/{pid}") && IsOurCellOrZombie(pid, bundle); i++)
        {
            Thread.Sleep(50);
        }
        try
        {
            Cgroups.Cgroups.Open(path)?.Delete();
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"remove cgroup {path}: {e.Message}");
        }
    }

    private static bool IsOurCellOrZombie(int pid, string bundle)
    {
        try
        {
            return IsOurCell(pid, bundle) || File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>A pid from the bundle may have been reused; only a cell of this bundle is ours to kill.</summary>
    private static bool IsOurCell(int pid, string bundle)
    {
        try
        {
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
            return cmdline.Length > 2 && cmdline[1] == CellLaunch.Mode && cmdline[2] == bundle;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
