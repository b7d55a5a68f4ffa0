using System.Runtime.InteropServices;
using System.Text;

namespace Wasmcell.Runtime.Components.Http;

/// <summary>The kind byte of a wasmtime_component_val_t (val.h's WASMTIME_COMPONENT_* numbering).</summary>
internal enum ValKind : byte
{
    Bool = 0, U8 = 2, U16 = 4, S32 = 5, U32 = 6, U64 = 8, String = 12, List = 13, Record = 14, Tuple = 15,
    Variant = 16, Enum = 17, Option = 18, Result = 19, Resource = 21,
}

/// <summary>
/// wasmtime_component_val_t: a kind byte, then at offset 8 a union whose largest member (a variant: a name vector
/// and a payload pointer) is 24 bytes: 32 bytes in all. Payloads (option, result, variant) are heap values made
/// with wasmtime_component_val_new; strings, names and lists are Wasmtime-allocated vectors, because Wasmtime
/// frees what a host function returns.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 32)]
internal unsafe struct ComponentVal
{
    [FieldOffset(0)] public ValKind Kind;
    [FieldOffset(8)] public ulong Scalar;
    [FieldOffset(8)] public ValVec Vec;
    [FieldOffset(8)] public ComponentVal* Option;
    [FieldOffset(8)] public IntPtr Resource;
    [FieldOffset(8)] public byte ResultIsOk;
    [FieldOffset(16)] public ComponentVal* ResultPayload;
    [FieldOffset(24)] public ComponentVal* VariantPayload;

    // ---- reading what the guest passed ----

    public readonly ulong U64 => Scalar;

    public readonly uint U32 => (uint)Scalar;

    public readonly bool Bool => (byte)Scalar != 0;

    public readonly string String => Encoding.UTF8.GetString(Vec.Data, checked((int)Vec.Size));

    /// <summary>The discriminant of a variant or enum.</summary>
    public readonly string CaseName => String;

    public readonly int Count => checked((int)Vec.Size);

    public readonly ref ComponentVal Element(int i) => ref ((ComponentVal*)Vec.Data)[i];

    /// <summary>A list&lt;u8&gt;, one value per byte as Wasmtime hands it over, copied out.</summary>
    public readonly byte[] Bytes()
    {
        var n = Count;
        var bytes = GC.AllocateUninitializedArray<byte>(n);
        var values = (ComponentVal*)Vec.Data;
        for (var i = 0; i < n; i++)
        {
            bytes[i] = (byte)values[i].Scalar;
        }
        return bytes;
    }

    /// <summary>Copies a list&lt;u8&gt; into <paramref name="destination"/> (at least <see cref="Count"/> long).</summary>
    public readonly void CopyBytes(Span<byte> destination)
    {
        var n = Count;
        var values = (ComponentVal*)Vec.Data;
        for (var i = 0; i < n; i++)
        {
            destination[i] = (byte)values[i].Scalar;
        }
    }

    // ---- making results (Wasmtime takes ownership of every allocation) ----

    public static ComponentVal OfBool(bool value) => new() { Kind = ValKind.Bool, Scalar = value ? 1UL : 0UL };

    public static ComponentVal OfU8(byte value) => new() { Kind = ValKind.U8, Scalar = value };

    public static ComponentVal OfU16(ushort value) => new() { Kind = ValKind.U16, Scalar = value };

    public static ComponentVal OfS32(int value) => new() { Kind = ValKind.S32, Scalar = (uint)value };

    public static ComponentVal OfU32(uint value) => new() { Kind = ValKind.U32, Scalar = value };

    public static ComponentVal OfU64(ulong value) => new() { Kind = ValKind.U64, Scalar = value };

    public static ComponentVal OfString(string value) => new() { Kind = ValKind.String, Vec = Name(value) };

    public static ComponentVal OfString(ReadOnlySpan<byte> utf8) => new() { Kind = ValKind.String, Vec = Name(utf8) };

    public static ComponentVal OfEnum(string caseName) => new() { Kind = ValKind.Enum, Vec = Name(caseName) };

    public static ComponentVal OfResource(IntPtr any) => new() { Kind = ValKind.Resource, Resource = any };

    public static ComponentVal None() => new() { Kind = ValKind.Option, Option = null };

    public static ComponentVal Some(ComponentVal value) => new() { Kind = ValKind.Option, Option = ComponentNative.ValNew(&value) };

    public static ComponentVal Ok() => new() { Kind = ValKind.Result, ResultIsOk = 1, ResultPayload = null };

    public static ComponentVal Ok(ComponentVal value) => new() { Kind = ValKind.Result, ResultIsOk = 1, ResultPayload = ComponentNative.ValNew(&value) };

    public static ComponentVal Err() => new() { Kind = ValKind.Result, ResultIsOk = 0, ResultPayload = null };

    public static ComponentVal Err(ComponentVal value) => new() { Kind = ValKind.Result, ResultIsOk = 0, ResultPayload = ComponentNative.ValNew(&value) };

    public static ComponentVal Variant(string caseName) => new() { Kind = ValKind.Variant, Vec = Name(caseName), VariantPayload = null };

    public static ComponentVal Variant(string caseName, ComponentVal payload)
    {
        var v = new ComponentVal { Kind = ValKind.Variant, Vec = Name(caseName) };
        v.VariantPayload = ComponentNative.ValNew(&payload);
        return v;
    }

    /// <summary>A list&lt;u8&gt;: Wasmtime's value model has one 32-byte value per byte, the cost components.md measured.</summary>
    public static ComponentVal OfBytes(ReadOnlySpan<byte> bytes)
    {
        ValVec list;
        ComponentNative.ValListNewUninit(&list, (nuint)bytes.Length);
        var values = (ComponentVal*)list.Data;
        for (var i = 0; i < bytes.Length; i++)
        {
            values[i] = new ComponentVal { Kind = ValKind.U8, Scalar = bytes[i] };
        }
        return new ComponentVal { Kind = ValKind.List, Vec = list };
    }

    public static ComponentVal OfList(ReadOnlySpan<ComponentVal> items)
    {
        ValVec list;
        ComponentNative.ValListNewUninit(&list, (nuint)items.Length);
        items.CopyTo(new Span<ComponentVal>(list.Data, items.Length));
        return new ComponentVal { Kind = ValKind.List, Vec = list };
    }

    public static ComponentVal Tuple(ComponentVal first, ComponentVal second)
    {
        ValVec tuple;
        ComponentNative.ValTupleNewUninit(&tuple, 2);
        var values = (ComponentVal*)tuple.Data;
        values[0] = first;
        values[1] = second;
        return new ComponentVal { Kind = ValKind.Tuple, Vec = tuple };
    }

    /// <summary>A record; <paramref name="fields"/> in the record type's field order.</summary>
    public static ComponentVal Record(ReadOnlySpan<(string Name, ComponentVal Value)> fields)
    {
        ValVec record;
        ComponentNative.ValRecordNewUninit(&record, (nuint)fields.Length);
        var entries = (RecordEntry*)record.Data;
        for (var i = 0; i < fields.Length; i++)
        {
            entries[i] = new RecordEntry { Name = Name(fields[i].Name), Value = fields[i].Value };
        }
        return new ComponentVal { Kind = ValKind.Record, Vec = record };
    }

    private static ValVec Name(string value)
    {
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        Span<byte> buffer = max <= 512 ? stackalloc byte[max] : new byte[max];
        return Name(buffer[..Encoding.UTF8.GetBytes(value, buffer)]);
    }

    private static ValVec Name(ReadOnlySpan<byte> utf8)
    {
        ValVec vec;
        fixed (byte* p = utf8)
        {
            ComponentNative.ByteVecNew(&vec, (nuint)utf8.Length, p);
        }
        return vec;
    }

    /// <summary>wasmtime_component_valrecord_entry_t: a name vector, then the value.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct RecordEntry
    {
        public ValVec Name;
        public ComponentVal Value;
    }
}
