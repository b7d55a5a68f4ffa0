using Wasmcell.Linux;
using MountProto = Containerd.Types.Mount;

namespace Wasmcell.Shim.Containers;

/// <summary>Mounts CreateTaskRequest.rootfs onto the bundle's rootfs and takes it down again (SPEC §6.3).</summary>
public static class RootfsMounts
{
    private const ulong MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_SYNCHRONOUS = 16, MS_REMOUNT = 32,
        MS_MANDLOCK = 64, MS_DIRSYNC = 128, MS_NOATIME = 1024, MS_NODIRATIME = 2048, MS_BIND = 4096, MS_REC = 16384,
        MS_PRIVATE = 1 << 18, MS_SLAVE = 1 << 19, MS_SHARED = 1 << 20, MS_UNBINDABLE = 1 << 17, MS_RELATIME = 1 << 21,
        MS_STRICTATIME = 1 << 24;

    private const ulong Propagation = MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE;

    private static readonly Dictionary<string, (bool Clear, ulong Flag)> Options = new(StringComparer.Ordinal)
    {
        ["async"] = (true, MS_SYNCHRONOUS),
        ["atime"] = (true, MS_NOATIME),
        ["bind"] = (false, MS_BIND),
        ["defaults"] = (false, 0),
        ["dev"] = (true, MS_NODEV),
        ["diratime"] = (true, MS_NODIRATIME),
        ["dirsync"] = (false, MS_DIRSYNC),
        ["exec"] = (true, MS_NOEXEC),
        ["mand"] = (false, MS_MANDLOCK),
        ["noatime"] = (false, MS_NOATIME),
        ["nodev"] = (false, MS_NODEV),
        ["nodiratime"] = (false, MS_NODIRATIME),
        ["noexec"] = (false, MS_NOEXEC),
        ["nomand"] = (true, MS_MANDLOCK),
        ["norelatime"] = (true, MS_RELATIME),
        ["nostrictatime"] = (true, MS_STRICTATIME),
        ["nosuid"] = (false, MS_NOSUID),
        ["rbind"] = (false, MS_BIND | MS_REC),
        ["relatime"] = (false, MS_RELATIME),
        ["remount"] = (false, MS_REMOUNT),
        ["ro"] = (false, MS_RDONLY),
        ["rw"] = (true, MS_RDONLY),
        ["strictatime"] = (false, MS_STRICTATIME),
        ["suid"] = (true, MS_NOSUID),
        ["sync"] = (false, MS_SYNCHRONOUS),
        ["private"] = (false, MS_PRIVATE),
        ["rprivate"] = (false, MS_PRIVATE | MS_REC),
        ["shared"] = (false, MS_SHARED),
        ["rshared"] = (false, MS_SHARED | MS_REC),
        ["slave"] = (false, MS_SLAVE),
        ["rslave"] = (false, MS_SLAVE | MS_REC),
        ["unbindable"] = (false, MS_UNBINDABLE),
        ["runbindable"] = (false, MS_UNBINDABLE | MS_REC),
    };

    public static (ulong Flags, string Data) ParseOptions(IEnumerable<string> options)
    {
        ulong flags = 0;
        var data = new List<string>();
        foreach (var o in options)
        {
            if (Options.TryGetValue(o, out var f))
            {
                flags = f.Clear ? flags & ~f.Flag : flags | f.Flag;
            }
            else
            {
                data.Add(o);
            }
        }
        return (flags, string.Join(',', data));
    }

    /// <summary>Mounts each entry in order; on failure unmounts what it did and throws.</summary>
    public static void MountAll(IReadOnlyList<MountProto> mounts, string rootfs)
    {
        var done = 0;
        try
        {
            foreach (var m in mounts)
            {
                var target = string.IsNullOrEmpty(m.Target) ? rootfs : Path.Join(rootfs, m.Target);
                Mount(m, target);
                done++;
            }
        }
        catch
        {
            for (var i = 0; i < done; i++)
            {
                UnmountAll(rootfs);
            }
            throw;
        }
    }

    private static void Mount(MountProto m, string target)
    {
        var (flags, data) = ParseOptions(m.Options);
        if (data.Length > Environment.SystemPageSize)
        {
            throw new IOException($"mount options for {target} exceed a page ({data.Length} bytes)");
        }
        var type = m.Type == "bind" ? null : m.Type;
        if (Libc.Mount(m.Source, target, type, flags & ~Propagation, data.Length == 0 ? null : data) != 0)
        {
            throw Libc.IoError($"mount {m.Type} {m.Source} on {target}", Libc.Errno);
        }
        if ((flags & Propagation) != 0 && Libc.Mount(null, target, null, flags & (Propagation | MS_REC), null) != 0)
        {
            throw Libc.IoError($"set propagation of {target}", Libc.Errno);
        }
        if ((flags & (MS_BIND | MS_RDONLY)) == (MS_BIND | MS_RDONLY)
            && Libc.Mount(null, target, null, flags | MS_REMOUNT, null) != 0)
        {
            throw Libc.IoError($"remount {target} read-only", Libc.Errno);
        }
    }

    /// <summary>umount2 until the path is no longer a mount point (EINVAL) or gone (ENOENT); EBUSY is retried briefly.</summary>
    public static void UnmountAll(string target)
    {
        for (var busy = 0; ;)
        {
            if (Libc.Umount2(target, 0) == 0)
            {
                continue;
            }
            var e = Libc.Errno;
            if (e is Errno.EINVAL or Errno.ENOENT)
            {
                return;
            }
            if (e == Errno.EBUSY && busy++ < 50)
            {
                Thread.Sleep(50);
                continue;
            }
            if (e == Errno.EBUSY)
            {
                // Still busy after 2.5 s: detach so the bundle can be removed.
                Libc.Umount2(target, 2 /* MNT_DETACH */);
                return;
            }
            throw Libc.IoError($"unmount {target}", e);
        }
    }
}
