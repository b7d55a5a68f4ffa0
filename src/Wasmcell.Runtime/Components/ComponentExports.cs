using System.Text;
using Wasmtime;
using Wasmtime.Components;

namespace Wasmcell.Runtime.Components;

/// <summary>The names of a component's top-level exports (e.g. <c>wasi:cli/run@0.2.12</c>) and imports, as Wasmtime reads them.</summary>
internal static class ComponentExports
{
    // Room for the item whatever its layout: the headers describe a 24-byte tagged union; libwasmtime.so 50.0.1
    // writes one pointer to a heap copy instead (measured: 8 bytes written, a malloc'd 80-byte object behind
    // them). Neither layout's destructor is safe to call on the other, so the item is left alone: a few dozen
    // bytes per export, once per load.
    private const int ItemBytes = 64;

    public static IReadOnlyList<string> Names(Engine engine, Component component) => Read(engine, component, imports: false);

    /// <summary>The names of its top-level imports (e.g. <c>wasi:io/poll@0.2.12</c>), which a proxy's linker defines.</summary>
    public static IReadOnlyList<string> ImportNames(Engine engine, Component component) => Read(engine, component, imports: true);

    private static unsafe IReadOnlyList<string> Read(Engine engine, Component component, bool imports)
    {
        var enginePointer = WasmtimeNative.PointerOf(engine);
        var type = WasmtimeNative.ComponentType(WasmtimeNative.PointerOf(component));
        if (type == IntPtr.Zero)
        {
            return [];
        }
        try
        {
            var count = imports ? Http.ComponentNative.ComponentTypeImportCount(type, enginePointer) : WasmtimeNative.ComponentTypeExportCount(type, enginePointer);
            var names = new List<string>((int)Math.Min(count, 64u));
            byte* item = stackalloc byte[ItemBytes];
            for (nuint i = 0; i < count && names.Count < 1000; i++)
            {
                byte* name;
                nuint length;
                var found = imports
                    ? Http.ComponentNative.ComponentTypeImportNth(type, enginePointer, i, &name, &length, item)
                    : WasmtimeNative.ComponentTypeExportNth(type, enginePointer, i, &name, &length, item);
                if (found)
                {
                    names.Add(Encoding.UTF8.GetString(name, checked((int)length)));
                }
            }
            return names;
        }
        finally
        {
            WasmtimeNative.ComponentTypeDelete(type);
        }
    }
}
