namespace Wasmcell.Wasi.Abi;

/// <summary>Rights bits of preview1 (typenames.witx `rights`).</summary>
[Flags]
internal enum Rights : ulong
{
    None = 0,
    FdDatasync = 1 << 0, FdRead = 1 << 1, FdSeek = 1 << 2, FdFdstatSetFlags = 1 << 3, FdSync = 1 << 4,
    FdTell = 1 << 5, FdWrite = 1 << 6, FdAdvise = 1 << 7, FdAllocate = 1 << 8,
    PathCreateDirectory = 1 << 9, PathCreateFile = 1 << 10, PathLinkSource = 1 << 11,
    PathLinkTarget = 1 << 12, PathOpen = 1 << 13, FdReaddir = 1 << 14, PathReadlink = 1 << 15,
    PathRenameSource = 1 << 16, PathRenameTarget = 1 << 17, PathFilestatGet = 1 << 18,
    PathFilestatSetSize = 1 << 19, PathFilestatSetTimes = 1 << 20, FdFilestatGet = 1 << 21,
    FdFilestatSetSize = 1 << 22, FdFilestatSetTimes = 1 << 23, PathSymlink = 1 << 24,
    PathRemoveDirectory = 1 << 25, PathUnlinkFile = 1 << 26, PollFdReadwrite = 1 << 27,
    SockShutdown = 1 << 28, SockAccept = 1 << 29,

    All = (1UL << 30) - 1,

    /// <summary>What a directory fd can do (on itself and on paths beneath it).</summary>
    Directory = FdFdstatSetFlags | FdSync | FdAdvise | PathCreateDirectory | PathCreateFile
        | PathLinkSource | PathLinkTarget | PathOpen | FdReaddir | PathReadlink | PathRenameSource
        | PathRenameTarget | PathFilestatGet | PathFilestatSetTimes
        | FdFilestatGet | FdFilestatSetTimes | PathSymlink | PathRemoveDirectory | PathUnlinkFile
        | PollFdReadwrite,

    /// <summary>What a regular file fd can do.</summary>
    RegularFile = FdDatasync | FdRead | FdSeek | FdFdstatSetFlags | FdSync | FdTell | FdWrite
        | FdAdvise | FdAllocate | FdFilestatGet | FdFilestatSetSize | FdFilestatSetTimes | PollFdReadwrite,

    /// <summary>A stream: pipe, FIFO, tty (no seek or tell, which is how wasi-libc's isatty tells a tty).</summary>
    Stream = FdRead | FdFdstatSetFlags | FdWrite | FdFilestatGet | PollFdReadwrite,

    Socket = FdRead | FdFdstatSetFlags | FdWrite | FdFilestatGet | PollFdReadwrite | SockShutdown | SockAccept,
}

/// <summary>fdflags (u16).</summary>
[Flags]
internal enum FdFlags : ushort
{
    None = 0, Append = 1, Dsync = 2, NonBlock = 4, Rsync = 8, Sync = 16,
}

/// <summary>oflags (u16) of path_open.</summary>
[Flags]
internal enum OFlags : ushort
{
    None = 0, Creat = 1, Directory = 2, Excl = 4, Trunc = 8,
}

/// <summary>filetype (u8).</summary>
internal enum FileType : byte
{
    Unknown, BlockDevice, CharacterDevice, Directory, RegularFile, SocketDgram, SocketStream, SymbolicLink,
}
