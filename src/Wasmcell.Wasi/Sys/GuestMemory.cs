using System.Buffers.Binary;
using System.Text;
using Wasmtime;

namespace Wasmcell.Wasi.Sys;

/// <summary>Thrown when a guest pointer/length pair is outside linear memory; becomes EFAULT.</summary>
internal sealed class GuestMemoryFault : Exception
{
    public GuestMemoryFault() : base("guest pointer out of bounds") { }
}

/// <summary>
/// Bounds-checked little-endian access to the guest's exported "memory". Pointers are u32 in the
/// ABI but arrive as i32, so every offset is reinterpreted as unsigned. Base and length are read
/// at most once per host call, at the first access: only guest code can grow memory, and no host
/// function calls back into the guest, so they cannot change during a call. Calls that touch no
/// memory (fd_close, sched_yield...) make no native call for it at all.
/// </summary>
internal sealed unsafe class GuestMemory
{
    private Memory? _memory;
    private byte* _base;
    private ulong _length;
    private bool _stale = true;

    /// <summary>At the start of every host call: binds the caller's memory once (a WasiHost serves
    /// one instance) and marks base/length for re-reading, since the guest may have grown memory.</summary>
    public void Bind(Caller caller)
    {
        // A module without memory (proc_exit-only programs) gets EFAULT for any pointer.
        _memory ??= caller.GetMemory("memory");
        _stale = true;
    }

    internal void Bind(Memory memory)
    {
        _memory = memory;
        _stale = true;
    }

    private void Refresh()
    {
        _stale = false;
        if (_memory is null)
        {
            return;
        }

        _base = (byte*)_memory.GetPointer();
        _length = (ulong)_memory.GetLength();
    }

    public Span<byte> Span(int ptr, int length) => Span(ptr, (uint)length);

    public Span<byte> Span(int ptr, uint length) => new(Pointer(ptr, length), (int)length);

    /// <summary>Raw pointer for syscalls. Valid until the guest runs again.</summary>
    public byte* Pointer(int ptr, uint length)
    {
        if (_stale)
        {
            Refresh();
        }

        if (_base == null || length > int.MaxValue || (ulong)(uint)ptr + length > _length)
        {
            throw new GuestMemoryFault();
        }

        return _base + (uint)ptr;
    }

    public byte ReadU8(int ptr) => *Pointer(ptr, 1);
    public ushort ReadU16(int ptr) => BinaryPrimitives.ReadUInt16LittleEndian(Span(ptr, 2));
    public uint ReadU32(int ptr) => BinaryPrimitives.ReadUInt32LittleEndian(Span(ptr, 4));
    public ulong ReadU64(int ptr) => BinaryPrimitives.ReadUInt64LittleEndian(Span(ptr, 8));
    public void WriteU8(int ptr, byte value) => *Pointer(ptr, 1) = value;
    public void WriteU16(int ptr, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Span(ptr, 2), value);
    public void WriteU32(int ptr, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Span(ptr, 4), value);
    public void WriteU64(int ptr, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Span(ptr, 8), value);

    /// <summary>Copies a guest byte string (not NUL-terminated) and appends a NUL for libc.</summary>
    public byte[] ReadPathZ(int ptr, int length)
    {
        var src = Span(ptr, length);
        var copy = new byte[src.Length + 1];
        src.CopyTo(copy);
        return copy;
    }

    public string ReadString(int ptr, int length) => Encoding.UTF8.GetString(Span(ptr, length));
}
