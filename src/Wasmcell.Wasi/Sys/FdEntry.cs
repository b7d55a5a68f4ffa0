using Wasmcell.Wasi.Abi;

namespace Wasmcell.Wasi.Sys;

/// <summary>
/// One guest descriptor: the host fd it owns plus the guest-visible state (type, rights, flags).
/// The host fd of anything that may block (pipes, sockets, FIFOs we open) is waited on with ppoll
/// together with the stop event, so the guest's "blocking" is emulated and always interruptible.
/// </summary>
internal sealed class FdEntry
{
    public required int HostFd { get; init; }
    public required FileType Type { get; set; }
    public Rights Base { get; set; }
    public Rights Inheriting { get; set; }
    /// <summary>Rights dropped with fd_fdstat_set_rights: using them is ENOTCAPABLE.</summary>
    public Rights Revoked { get; set; }
    /// <summary>Guest view of fdflags. APPEND/SYNC are mirrored on the host fd; NONBLOCK is emulated.</summary>
    public FdFlags Flags { get; set; }
    /// <summary>Set for preopened directories: the name fd_prestat_dir_name reports.</summary>
    public string? PreopenName { get; init; }
    /// <summary>True when the fd was reached through a read-only preopen: every mutation is EROFS.</summary>
    public bool ReadOnly { get; init; }
    /// <summary>Directory listing of the last fd_readdir pass (rebuilt at cookie 0).</summary>
    public DirectoryListing? Listing { get; set; }
    /// <summary>A preopened listener, an accepted connection or a socket the guest opened.</summary>
    public bool IsSocket => Type is FileType.SocketStream or FileType.SocketDgram;
    /// <summary>Regular files and directories never block; everything else is waited on.</summary>
    public bool MayBlock => Type is not (FileType.RegularFile or FileType.Directory);
    public bool NonBlocking => (Flags & FdFlags.NonBlock) != 0;
}
