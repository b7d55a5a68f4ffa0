using Microsoft.Win32.SafeHandles;
using Wasmcell.Linux;

namespace Wasmcell.Oci.RuntimeSpec;

/// <summary>
/// A container's root filesystem, held as a directory fd. Every path that comes from the spec or the image
/// (cwd, entrypoint, module) is opened through it with openat2 RESOLVE_IN_ROOT: `..` and symlinks, absolute
/// or relative, clamp at the rootfs root the way the container sees them and never reach the host.
/// </summary>
public sealed class ContainerRootfs : IDisposable
{
    private readonly SafeFileHandle _root;

    private ContainerRootfs(SafeFileHandle root, string hostPath)
    {
        _root = root;
        HostPath = hostPath;
    }

    /// <summary>Where the rootfs is on the host (the bundle's, chosen by the shim: never spec input).</summary>
    public string HostPath { get; }

    public static ContainerRootfs Open(string hostPath)
    {
        var fd = Libc.Open(hostPath, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw Libc.IoError($"open rootfs {hostPath}", Libc.Errno);
        }
        return new ContainerRootfs(new SafeFileHandle(fd, ownsHandle: true), hostPath);
    }

    /// <summary>An O_PATH directory fd for a container path (e.g. the cwd), resolved inside the rootfs.</summary>
    public SafeFileHandle OpenDirectory(string containerPath, string what)
    {
        var fd = TryOpen(containerPath, Libc.O_PATH | Libc.O_DIRECTORY);
        if (fd < 0)
        {
            throw new IOException($"{what} {containerPath} cannot be opened in the container's rootfs: {Libc.ErrorText(-fd)}");
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>A read-only stream of a file at a container path, resolved inside the rootfs.</summary>
    public FileStream OpenFile(string containerPath)
    {
        var fd = TryOpen(containerPath, Libc.O_RDONLY);
        if (fd < 0)
        {
            throw new IOException($"{containerPath} cannot be opened in the container's rootfs: {Libc.ErrorText(-fd)}");
        }
        return new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Read);
    }

    /// <summary>An fd (O_CLOEXEC added) or -errno; "/" and "" are the root itself.</summary>
    public int TryOpen(string containerPath, int flags)
    {
        var relative = containerPath.TrimStart('/');
        var added = false;
        try
        {
            _root.DangerousAddRef(ref added);
            return Openat2.OpenInRoot((int)_root.DangerousGetHandle(), relative.Length == 0 ? "." : relative, flags);
        }
        finally
        {
            if (added)
            {
                _root.DangerousRelease();
            }
        }
    }

    public void Dispose() => _root.Dispose();
}
