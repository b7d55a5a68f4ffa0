using System.Runtime.InteropServices;

namespace Wasmcell.Cell;

/// <summary>
/// The C# face of the cell's native pre-main (Native/cell_sandbox.c), which applied the daemon's plan before the
/// runtime started. A cell without it (a build that did not link it) has no sandbox and must not run a guest.
/// </summary>
public static partial class CellSandbox
{
    /// <summary>The name NativeAOT links directly (DirectPInvoke in the cell's csproj).</summary>
    public const string NativeLibrary = "cellsandbox";

    /// <summary>"sandbox N ms" once the plan was applied; throws when this binary has no pre-main or it did not run.</summary>
    public static string Report()
    {
        string? report;
        try
        {
            report = Marshal.PtrToStringUTF8(SandboxReport());
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            report = null;
        }
        return report ?? throw new NotSupportedException(
            "this cell binary was built without its sandbox (cell_sandbox.c is linked only into the NativeAOT cell); publish it with scripts/publish.sh");
    }

    [LibraryImport(NativeLibrary, EntryPoint = "wasmcell_sandbox_report")]
    private static partial IntPtr SandboxReport();
}
