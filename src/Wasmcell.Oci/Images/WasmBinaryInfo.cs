using System.Text;

namespace Wasmcell.Oci.Images;

/// <summary>
/// What a <c>.wasm</c> file is, read from its preamble: a core module (WASI preview1, os
/// <c>wasip1</c>) or a component (preview2, os <c>wasip2</c>), and for a component the names
/// in its top-level import and export sections, which the artifact config lists.
/// </summary>
public sealed record WasmBinaryInfo(bool IsComponent, IReadOnlyList<string> Imports, IReadOnlyList<string> Exports)
{
    public string Os => IsComponent ? "wasip2" : "wasip1";

    private static ReadOnlySpan<byte> Magic => "\0asm"u8;

    /// <summary>Reads <paramref name="bytes"/>; throws <see cref="InvalidDataException"/> for a non-wasm file.</summary>
    public static WasmBinaryInfo Read(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 8 || !bytes[..4].SequenceEqual(Magic))
        {
            throw new InvalidDataException("not a WebAssembly binary (missing \\0asm magic)");
        }

        // Core modules have version 1 with layer 0; components set the layer field (bytes 6-7) to 1.
        var layer = bytes[6] | (bytes[7] << 8);
        if (layer == 0)
        {
            return new WasmBinaryInfo(false, [], []);
        }

        var imports = new List<string>();
        var exports = new List<string>();
        try
        {
            ReadComponentSections(bytes[8..], imports, exports);
        }
        catch (Exception e) when (e is InvalidDataException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            // The names are informational: an encoding we do not understand leaves them empty
            // rather than failing the build.
            imports.Clear();
            exports.Clear();
        }

        return new WasmBinaryInfo(true, imports, exports);
    }

    private const byte ImportSection = 10;
    private const byte ExportSection = 11;

    private static void ReadComponentSections(ReadOnlySpan<byte> body, List<string> imports, List<string> exports)
    {
        var pos = 0;
        while (pos < body.Length)
        {
            var id = body[pos++];
            var size = (int)ReadU32(body, ref pos);
            var section = body.Slice(pos, size);
            pos += size;
            if (id is not (ImportSection or ExportSection))
            {
                continue; // nested components/modules live inside their own sections and are skipped whole
            }

            var p = 0;
            var count = ReadU32(section, ref p);
            for (var i = 0u; i < count; i++)
            {
                var name = ReadExternName(section, ref p);
                if (id == ImportSection)
                {
                    SkipExternDesc(section, ref p);
                    imports.Add(name);
                }
                else
                {
                    SkipSortIdx(section, ref p);
                    if (section[p++] == 0x01)
                    {
                        SkipExternDesc(section, ref p);
                    }

                    exports.Add(name);
                }
            }
        }
    }

    // importname'/exportname' ::= 0x00 len name | 0x01 len name (the 0x01 form carries a version suffix
    // in later encodings, which is part of the name string itself here).
    private static string ReadExternName(ReadOnlySpan<byte> s, ref int p)
    {
        var kind = s[p++];
        if (kind > 0x01)
        {
            throw new InvalidDataException($"unknown extern name kind 0x{kind:x2}");
        }

        var length = (int)ReadU32(s, ref p);
        var name = Encoding.UTF8.GetString(s.Slice(p, length));
        p += length;
        return name;
    }

    private static void SkipExternDesc(ReadOnlySpan<byte> s, ref int p)
    {
        switch (s[p++])
        {
            case 0x00: // core module: 0x11 typeidx
                if (s[p++] != 0x11)
                {
                    throw new InvalidDataException("bad core module extern desc");
                }

                ReadU32(s, ref p);
                break;
            case 0x01 or 0x04 or 0x05: // func, component, instance: typeidx
                ReadU32(s, ref p);
                break;
            case 0x02: // value bound: 0x00 valueidx | 0x01 valtype (a typeidx or a one-byte primitive)
                p++;
                ReadU32(s, ref p);
                break;
            case 0x03: // type bound: 0x00 typeidx (eq) | 0x01 (sub resource)
                if (s[p++] == 0x00)
                {
                    ReadU32(s, ref p);
                }

                break;
            default:
                throw new InvalidDataException("unknown extern desc");
        }
    }

    private static void SkipSortIdx(ReadOnlySpan<byte> s, ref int p)
    {
        if (s[p++] == 0x00)
        {
            p++; // core sort
        }

        ReadU32(s, ref p);
    }

    private static uint ReadU32(ReadOnlySpan<byte> s, ref int p)
    {
        uint result = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = s[p++];
            result |= (uint)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new InvalidDataException("LEB128 integer too long");
    }
}
