using System.Reflection;
using System.Runtime.InteropServices;

namespace Wasmcell.Runtime;

/// <summary>
/// Loads libwasmtime.so from beside the executable by its full path. The default resolution of Wasmtime's
/// DllImport("wasmtime") first tries wasmtime.so beside us and through every system library directory
/// (~100 failed opens and stats, more under containerd's LD_LIBRARY_PATH), which every cell paid on its start.
/// Without the file beside the executable (tests, `dotnet run`), the default resolution applies.
/// </summary>
internal static class WasmtimeLibrary
{
    private const string ImportName = "wasmtime";
    private static int s_registered;

    public static void UseTheOneBesideTheExecutable()
    {
        if (Interlocked.Exchange(ref s_registered, 1) != 0)
        {
            return;
        }
        var beside = Path.Join(AppContext.BaseDirectory, "libwasmtime.so");
        NativeLibrary.SetDllImportResolver(typeof(Wasmtime.Engine).Assembly, Resolve);
        // Our own calls into it (Components/WasmtimeNative.cs) must reach the same library.
        NativeLibrary.SetDllImportResolver(typeof(WasmtimeLibrary).Assembly, Resolve);

        IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
            name == ImportName && File.Exists(beside) ? NativeLibrary.Load(beside) : IntPtr.Zero;
    }
}
