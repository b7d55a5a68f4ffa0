using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

/// <summary>struct iovec.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct IoVec
{
    public byte* Base;
    public nuint Length;
}

/// <summary>struct timespec (64-bit time_t).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct Timespec
{
    public long Seconds;
    public long Nanoseconds;
}

/// <summary>struct msghdr.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct MsgHdr
{
    public void* Name;
    public uint NameLength;
    public IoVec* Iov;
    public nuint IovLength;
    public void* Control;
    public nuint ControlLength;
    public int Flags;
}
