using System.Runtime.InteropServices;

namespace Wasmcell.Runtime.Components.Http;

/// <summary>
/// The component-model calls a host that defines its own imports needs (linker, host functions and resources,
/// values, calling an export), none of which the Wasmtime package wraps. Signatures follow Wasmtime's
/// crates/c-api/include/wasmtime/component/*.h as libwasmtime.so 50.0.1 exports them; the tests of
/// <see cref="ProxyComponent"/> exercise each one.
/// </summary>
internal static unsafe partial class ComponentNative
{
    private const string Library = "wasmtime";


    [LibraryImport(Library, EntryPoint = "wasmtime_component_linker_new")]
    public static partial IntPtr LinkerNew(IntPtr engine);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_linker_delete")]
    public static partial void LinkerDelete(IntPtr linker);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_linker_root")]
    public static partial IntPtr LinkerRoot(IntPtr linker);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_linker_instance_delete")]
    public static partial void LinkerInstanceDelete(IntPtr linkerInstance);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_linker_instance_add_instance")]
    public static partial IntPtr LinkerInstanceAddInstance(IntPtr linkerInstance, byte* name, nuint nameLength, IntPtr* instanceOut);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_linker_instance_add_func")]
    public static partial IntPtr LinkerInstanceAddFunc(IntPtr linkerInstance, byte* name, nuint nameLength,
        delegate* unmanaged<IntPtr, IntPtr, IntPtr, ComponentVal*, nuint, ComponentVal*, nuint, IntPtr> callback, IntPtr data, IntPtr finalizer);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_linker_instance_add_resource")]
    public static partial IntPtr LinkerInstanceAddResource(IntPtr linkerInstance, byte* name, nuint nameLength, IntPtr resourceType,
        delegate* unmanaged<IntPtr, IntPtr, uint, IntPtr> destructor, IntPtr data, IntPtr finalizer);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_linker_define_unknown_imports_as_traps")]
    public static partial IntPtr LinkerDefineUnknownImportsAsTraps(IntPtr linker, IntPtr component);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_linker_instantiate")]
    public static partial IntPtr LinkerInstantiate(IntPtr linker, IntPtr context, IntPtr component, ComponentInstance* instanceOut);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_get_export_index")]
    public static partial IntPtr ComponentGetExportIndex(IntPtr component, IntPtr parentIndex, byte* name, nuint nameLength);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_export_index_delete")]
    public static partial void ExportIndexDelete(IntPtr index);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_instance_get_func")]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool InstanceGetFunc(ComponentInstance* instance, IntPtr context, IntPtr exportIndex, ComponentFunc* funcOut);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_func_call")]
    public static partial IntPtr FuncCall(ComponentFunc* func, IntPtr context, ComponentVal* args, nuint argCount, ComponentVal* results, nuint resultCount);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_type_import_count")]
    public static partial nuint ComponentTypeImportCount(IntPtr type, IntPtr engine);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_type_import_nth")]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool ComponentTypeImportNth(IntPtr type, IntPtr engine, nuint nth, byte** name, nuint* nameLength, byte* item);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_resource_type_new_host")]
    public static partial IntPtr ResourceTypeNewHost(uint type);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_resource_type_delete")]
    public static partial void ResourceTypeDelete(IntPtr type);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_resource_host_new")]
    public static partial IntPtr ResourceHostNew([MarshalAs(UnmanagedType.U1)] bool owned, uint rep, uint type);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_resource_host_delete")]
    public static partial void ResourceHostDelete(IntPtr host);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_resource_host_rep")]
    public static partial uint ResourceHostRep(IntPtr host);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_resource_host_type")]
    public static partial uint ResourceHostType(IntPtr host);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_resource_host_to_any")]
    public static partial IntPtr ResourceHostToAny(IntPtr context, IntPtr host, IntPtr* anyOut);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_resource_any_to_host")]
    public static partial IntPtr ResourceAnyToHost(IntPtr context, IntPtr any, IntPtr* hostOut);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_resource_any_owned")]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool ResourceAnyOwned(IntPtr any);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_resource_any_drop")]
    public static partial IntPtr ResourceAnyDrop(IntPtr context, IntPtr any);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_resource_any_delete")]
    public static partial void ResourceAnyDelete(IntPtr any);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_val_new")]
    public static partial ComponentVal* ValNew(ComponentVal* value);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_val_delete")]
    public static partial void ValDelete(ComponentVal* value);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_vallist_new_uninit")]
    public static partial void ValListNewUninit(ValVec* list, nuint size);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_valtuple_new_uninit")]
    public static partial void ValTupleNewUninit(ValVec* tuple, nuint size);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_valrecord_new_uninit")]
    public static partial void ValRecordNewUninit(ValVec* record, nuint size);

    [LibraryImport(Library, EntryPoint = "wasm_byte_vec_new")]
    public static partial void ByteVecNew(ValVec* vec, nuint size, byte* data);

    [LibraryImport(Library, EntryPoint = "wasmtime_error_new", StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr ErrorNew(string message);

    /// <summary>Throws the message of an owned wasmtime_error_t (deleting it) when there is one.</summary>
    public static void Check(IntPtr error, string what)
    {
        if (error != IntPtr.Zero)
        {
            throw new Wasmtime.WasmtimeException($"{what}: {Components.WasmtimeNative.TakeErrorMessage(error)}");
        }
    }
}

/// <summary>wasmtime_component_instance_t: a store id and an index, by value.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ComponentInstance
{
    public ulong StoreId;
    public uint Index;
}

/// <summary>wasmtime_component_func_t: a store id and two private words, by value.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ComponentFunc
{
    public ulong StoreId;
    public uint Private1;
    public uint Private2;
}

/// <summary>Every wasm_*_vec_t and wasmtime_component_val*_t vector: a length and a pointer.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ValVec
{
    public nuint Size;
    public byte* Data;
}
