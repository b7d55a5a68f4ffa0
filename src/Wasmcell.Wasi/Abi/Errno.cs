namespace Wasmcell.Wasi.Abi;

/// <summary>
/// Error codes of wasi_snapshot_preview1 (and wasi_unstable, which uses the same values), in witx
/// order: https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/witx/typenames.witx
/// ErrnoSpecTests checks every value against that list.
/// </summary>
internal enum Errno : ushort
{
    Success, TooBig, Acces, AddrInUse, AddrNotAvail, AfNoSupport, Again, Already, BadF, BadMsg,
    Busy, Canceled, Child, ConnAborted, ConnRefused, ConnReset, DeadLk, DestAddrReq, Dom, DQuot,
    Exist, Fault, FBig, HostUnreach, IdRm, IlSeq, InProgress, Intr, Inval, Io,
    IsConn, IsDir, Loop, MFile, MLink, MsgSize, Multihop, NameTooLong, NetDown, NetReset,
    NetUnreach, NFile, NoBufs, NoDev, NoEnt, NoExec, NoLck, NoLink, NoMem, NoMsg,
    NoProtoOpt, NoSpc, NoSys, NotConn, NotDir, NotEmpty, NotRecoverable, NotSock, NotSup, NotTy,
    NxIo, Overflow, OwnerDead, Perm, Pipe, Proto, ProtoNoSupport, ProtoType, Range, RoFs,
    SPipe, Srch, Stale, TimedOut, TxtBsy, XDev, NotCapable,
}
