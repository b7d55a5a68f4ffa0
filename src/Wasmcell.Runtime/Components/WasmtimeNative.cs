using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Wasmtime;
using Wasmtime.Components;

namespace Wasmcell.Runtime.Components;

/// <summary>
/// Every native call the component path makes that the Wasmtime package does not wrap: reading a component's
/// export names, and the WASI preview2 configuration (network inheritance has no managed wrapper). Signatures
/// follow libwasmtime.so 50.0.1 as measured (see <see cref="ComponentExports"/> for where it differs from the
/// headers). The package's objects hand over their native pointers through the accessors below, pinned by
/// the package version and covered by tests: a renamed member fails those, never silently.
/// </summary>
internal static unsafe partial class WasmtimeNative
{
    private const string Library = "wasmtime";

    // The package keeps its handles internal; these read them without reflection (NativeAOT-safe).
    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "get_NativeHandle")]
    [return: UnsafeAccessorType("Wasmtime.Engine+Handle, Wasmtime.Dotnet")]
    private static extern object EngineHandle(Engine engine);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "get_NativeHandle")]
    [return: UnsafeAccessorType("Wasmtime.Components.Component+Handle, Wasmtime.Dotnet")]
    private static extern object ComponentHandle(Component component);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "contextHandle")]
    private static extern ref IntPtr ContextHandle(Store store);

    /// <summary>The engine's wasm_engine_t; valid while <paramref name="engine"/> lives.</summary>
    public static IntPtr PointerOf(Engine engine) => ((SafeHandle)EngineHandle(engine)).DangerousGetHandle();

    /// <summary>The component's wasmtime_component_t; valid while <paramref name="component"/> lives.</summary>
    public static IntPtr PointerOf(Component component) => ((SafeHandle)ComponentHandle(component)).DangerousGetHandle();

    /// <summary>The store's wasmtime_context_t; valid while <paramref name="store"/> lives.</summary>
    public static IntPtr ContextOf(Store store) => ContextHandle(store);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_type")]
    public static partial IntPtr ComponentType(IntPtr component);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_type_delete")]
    public static partial void ComponentTypeDelete(IntPtr type);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_type_export_count")]
    public static partial nuint ComponentTypeExportCount(IntPtr type, IntPtr engine);

    [LibraryImport(Library, EntryPoint = "wasmtime_component_type_export_nth")]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool ComponentTypeExportNth(IntPtr type, IntPtr engine, nuint nth, byte** name, nuint* nameLength, byte* item);

    [LibraryImport(Library, EntryPoint = "wasi_config_new")]
    public static partial IntPtr WasiConfigNew();

    [LibraryImport(Library, EntryPoint = "wasi_config_delete")]
    public static partial void WasiConfigDelete(IntPtr config);

    [LibraryImport(Library, EntryPoint = "wasi_config_set_argv")]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool WasiConfigSetArgv(IntPtr config, nuint count, byte** argv);

    [LibraryImport(Library, EntryPoint = "wasi_config_set_env")]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool WasiConfigSetEnv(IntPtr config, nuint count, byte** names, byte** values);

    [LibraryImport(Library, EntryPoint = "wasi_config_preopen_dir", StringMarshalling = StringMarshalling.Utf8)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool WasiConfigPreopenDir(IntPtr config, string hostPath, string guestPath, [MarshalAs(UnmanagedType.U1)] bool mutable);

    [LibraryImport(Library, EntryPoint = "wasi_config_inherit_stdin")]
    public static partial void WasiConfigInheritStdin(IntPtr config);

    [LibraryImport(Library, EntryPoint = "wasi_config_inherit_stdout")]
    public static partial void WasiConfigInheritStdout(IntPtr config);

    [LibraryImport(Library, EntryPoint = "wasi_config_inherit_stderr")]
    public static partial void WasiConfigInheritStderr(IntPtr config);

    [LibraryImport(Library, EntryPoint = "wasi_config_set_stdin_file", StringMarshalling = StringMarshalling.Utf8)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool WasiConfigSetStdinFile(IntPtr config, string path);

    [LibraryImport(Library, EntryPoint = "wasi_config_set_stdout_custom")]
    public static partial void WasiConfigSetStdoutCustom(IntPtr config, delegate* unmanaged<IntPtr, byte*, nuint, nint> callback, IntPtr data, IntPtr finalizer);

    [LibraryImport(Library, EntryPoint = "wasi_config_set_stderr_custom")]
    public static partial void WasiConfigSetStderrCustom(IntPtr config, delegate* unmanaged<IntPtr, byte*, nuint, nint> callback, IntPtr data, IntPtr finalizer);

    [LibraryImport(Library, EntryPoint = "wasi_config_inherit_network")]
    public static partial void WasiConfigInheritNetwork(IntPtr config);

    [LibraryImport(Library, EntryPoint = "wasi_config_allow_ip_name_lookup")]
    public static partial void WasiConfigAllowIpNameLookup(IntPtr config, [MarshalAs(UnmanagedType.U1)] bool enable);

    /// <summary>Takes ownership of <paramref name="config"/>, also on failure.</summary>
    [LibraryImport(Library, EntryPoint = "wasmtime_context_set_wasi")]
    public static partial IntPtr ContextSetWasi(IntPtr context, IntPtr config);

    [LibraryImport(Library, EntryPoint = "wasmtime_error_message")]
    private static partial void ErrorMessage(IntPtr error, ByteVec* message);

    [LibraryImport(Library, EntryPoint = "wasmtime_error_delete")]
    private static partial void ErrorDelete(IntPtr error);

    [LibraryImport(Library, EntryPoint = "wasm_byte_vec_delete")]
    private static partial void ByteVecDelete(ByteVec* vec);

    /// <summary>The message of an owned wasmtime_error_t, which is deleted.</summary>
    public static string TakeErrorMessage(IntPtr error)
    {
        ByteVec message;
        ErrorMessage(error, &message);
        try
        {
            return System.Text.Encoding.UTF8.GetString(message.Data, checked((int)message.Size));
        }
        finally
        {
            ByteVecDelete(&message);
            ErrorDelete(error);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct ByteVec
    {
        public nuint Size;
        public byte* Data;
    }
}
