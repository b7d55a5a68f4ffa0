using Wasmcell.Wasi.Abi;

namespace Wasmcell.Wasi.Groups;

/// <summary>args_get / args_sizes_get and environ_get / environ_sizes_get.</summary>
internal static partial class Args
{
    /// <summary>args_get(argv: **u8, argv_buf: *u8). Writes NUL-terminated strings to argv_buf and
    /// their addresses to argv.</summary>
    /// <returns>Success, or Fault when a pointer is out of bounds. https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#args_get</returns>
    public static Errno ArgsGet(WasiHost h, int argv, int argvBuf) => WriteList(h, h.ArgBytes, argv, argvBuf);

    /// <summary>args_sizes_get(*argc, *argv_buf_size).</summary>
    public static Errno ArgsSizesGet(WasiHost h, int argc, int bufSize) => WriteSizes(h, h.ArgBytes, argc, bufSize);

    /// <summary>environ_get(environ: **u8, environ_buf: *u8), same layout as args_get.</summary>
    public static Errno EnvironGet(WasiHost h, int environ, int environBuf) => WriteList(h, h.EnvBytes, environ, environBuf);

    /// <summary>environ_sizes_get(*count, *buf_size).</summary>
    public static Errno EnvironSizesGet(WasiHost h, int count, int bufSize) => WriteSizes(h, h.EnvBytes, count, bufSize);

    private static Errno WriteList(WasiHost h, byte[][] items, int ptrs, int buf)
    {
        int offset = buf;
        for (int i = 0; i < items.Length; i++)
        {
            h.Memory.WriteU32(ptrs + i * 4, (uint)offset);
            items[i].CopyTo(h.Memory.Span(offset, items[i].Length));
            offset += items[i].Length;
        }
        return Errno.Success;
    }

    private static Errno WriteSizes(WasiHost h, byte[][] items, int count, int bufSize)
    {
        uint total = 0;
        foreach (var item in items)
        {
            total += (uint)item.Length;
        }

        h.Memory.WriteU32(count, (uint)items.Length);
        h.Memory.WriteU32(bufSize, total);
        return Errno.Success;
    }
}
