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
    private readonly SafeFdHandle _root;

    private ContainerRootfs(SafeFdHandle root, string hostPath)
    {
        _root = root;
        HostPath = hostPath;
    }

    /// <summary>Where the rootfs is on the host (the bundle's, chosen by the shim: never spec input).</summary>
    public string HostPath { get; }

    public static ContainerRootfs Open(string hostPath)
    {
        var errno = Libc.TryOpen(hostPath, Libc.O_PATH | Libc.O_DIRECTORY, out var root);
        return errno == Errno.None ? new ContainerRootfs(root, hostPath) : throw Libc.IoError($"open rootfs {hostPath}", errno);
    }

    /// <summary>An O_PATH directory fd for a container path (e.g. the cwd), resolved inside the rootfs.</summary>
    public SafeFileHandle OpenDirectory(string containerPath, string what)
    {
        var errno = TryOpen(containerPath, Libc.O_PATH | Libc.O_DIRECTORY, out var fd);
        if (errno != Errno.None)
        {
            throw new IOException($"{what} {containerPath} cannot be opened in the container's rootfs: {Libc.ErrorText(errno)}");
        }
        return new SafeFileHandle(fd.Detach(), ownsHandle: true);
    }

    /// <summary>A read-only stream of a file at a container path, resolved inside the rootfs.</summary>
    public FileStream OpenFile(string containerPath)
    {
        var errno = TryOpen(containerPath, Libc.O_RDONLY, out var fd);
        if (errno != Errno.None)
        {
            throw new IOException($"{containerPath} cannot be opened in the container's rootfs: {Libc.ErrorText(errno)}");
        }
        return new FileStream(new SafeFileHandle(fd.Detach(), ownsHandle: true), FileAccess.Read);
    }

    /// <summary>Opens a container path inside the rootfs (O_CLOEXEC added); "/" and "" are the root itself.</summary>
    public Errno TryOpen(string containerPath, int flags, out SafeFdHandle fd)
    {
        var relative = containerPath.TrimStart('/');
        var added = false;
        try
        {
            _root.DangerousAddRef(ref added);
            return Libc.TryOpenInRoot(_root.Fd, relative.Length == 0 ? "." : relative, flags, out fd);
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
