using System.Text;
using Wasmcell.Wasi;
using Wasmcell.Wasi.Sys;
using Wasmtime;

namespace Wasmcell.Emscripten.Tests.Infrastructure;

/// <summary>
/// A tiny Emscripten-shaped module that imports the given syscalls and libc functions and re-exports each one
/// (`sysN`, and the function's own name), so a test calls an import exactly as guest code would: argument words
/// written into guest memory, the answer and guest memory checked afterwards. It brings a bump `_malloc` for the
/// imports that allocate.
/// </summary>
internal sealed class AbiGuest : IDisposable
{
    private const int ScratchBase = 8 << 20;
    private static readonly Engine SharedEngine = new();
    private readonly Store _store = new(SharedEngine);
    private readonly Linker _linker = new(SharedEngine);
    private readonly Instance _instance;
    private int _scratch = ScratchBase;

    public AbiGuest(WasiOptions options, int[] syscalls, params (string Name, int Params, bool Result)[] functions)
    {
        var wat = new StringBuilder("(module\n(import \"env\" \"memory\" (memory 256 256))\n");
        foreach (var n in syscalls)
        {
            wat.Append($"(import \"env\" \"___syscall{n}\" (func $s{n} (param i32 i32) (result i32)))\n");
        }
        foreach (var f in functions)
        {
            wat.Append($"(import \"env\" \"{f.Name}\" (func ${f.Name} {Signature(f.Params, f.Result)}))\n");
        }
        wat.Append("(global $heap (mut i32) (i32.const 12582912))\n");
        wat.Append("(func (export \"_malloc\") (param i32) (result i32) (global.get $heap) (global.set $heap (i32.add (global.get $heap) (i32.and (i32.add (local.get 0) (i32.const 15)) (i32.const -16)))))\n");
        foreach (var n in syscalls)
        {
            wat.Append($"(func (export \"sys{n}\") (param i32) (result i32) (call $s{n} (i32.const {n}) (local.get 0)))\n");
        }
        foreach (var f in functions)
        {
            var args = string.Concat(Enumerable.Range(0, f.Params).Select(i => $" (local.get {i})"));
            wat.Append($"(func (export \"{f.Name}\") {Signature(f.Params, f.Result)} (call ${f.Name}{args}))\n");
        }
        wat.Append(')');
        using var module = Module.FromText(SharedEngine, "abi", wat.ToString());
        Host = new EmscriptenHost(options);
        Host.Define(_linker, _store, module);
        _instance = _linker.Instantiate(_store, module);
        Host.Attach(_instance);
    }

    private static string Signature(int parameters, bool result) =>
        (parameters > 0 ? "(param" + string.Concat(Enumerable.Repeat(" i32", parameters)) + ")" : "") + (result ? " (result i32)" : "");

    public EmscriptenHost Host { get; }

    public GuestMemory Memory => Host.Memory;

    /// <summary>Calls `___syscallN` with these argument words.</summary>
    public int Sys(int n, params int[] words) => _instance.GetFunction<int, int>($"sys{n}")!(Words(words));

    public void Invoke(string name, int a) => _instance.GetAction<int>(name)!(a);

    public int Call(string name) => _instance.GetFunction<int>(name)!();

    public int Call(string name, int a) => _instance.GetFunction<int, int>(name)!(a);

    public int Call(string name, int a, int b) => _instance.GetFunction<int, int, int>(name)!(a, b);

    public int Call(string name, int a, int b, int c) => _instance.GetFunction<int, int, int, int>(name)!(a, b, c);

    public int Call(string name, int a, int b, int c, int d) => _instance.GetFunction<int, int, int, int, int>(name)!(a, b, c, d);

    /// <summary>Fresh zeroed scratch memory, 16-byte aligned.</summary>
    public int Alloc(int bytes)
    {
        var p = _scratch;
        _scratch += (bytes + 15) & ~15;
        Memory.Span(p, bytes).Fill(0);
        return p;
    }

    /// <summary>A NUL-terminated copy of `text` in guest memory.</summary>
    public int Str(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var p = Alloc(bytes.Length + 1);
        bytes.CopyTo(Memory.Span(p, bytes.Length));
        return p;
    }

    public int Words(params int[] words)
    {
        var p = Alloc(Math.Max(4, words.Length * 4));
        for (var i = 0; i < words.Length; i++)
        {
            Memory.WriteU32(p + (i * 4), (uint)words[i]);
        }
        return p;
    }

    public int I32(int address) => (int)Memory.ReadU32(address);

    public string CString(int address)
    {
        var span = Memory.Span(address, 4096);
        return Encoding.UTF8.GetString(span[..span.IndexOf((byte)0)]);
    }

    /// <summary>errno as the libc-style imports left it (musl's errno in the seed's nginx, the default address).</summary>
    public int Errno => I32(EmscriptenLayout.DefaultErrnoAddress);

    public void Dispose()
    {
        Host.Dispose();
        _linker.Dispose();
        _store.Dispose();
    }
}
