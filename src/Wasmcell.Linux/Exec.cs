using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

/// <summary>execv(2): the launcher becomes the daemon binary for every action it does not answer itself.</summary>
public static unsafe partial class Exec
{
    [LibraryImport("libc", EntryPoint = "execv", SetLastError = true)]
    private static partial int ExecV(byte* path, byte** argv);

    /// <summary>Replaces this process (same pid, fds and environment); returns only by throwing.</summary>
    public static void Replace(string path, IReadOnlyList<string> argv)
    {
        var owned = new List<IntPtr>();
        try
        {
            var args = stackalloc byte*[argv.Count + 1];
            for (var i = 0; i < argv.Count; i++)
            {
                args[i] = (byte*)Own(owned, argv[i]);
            }
            args[argv.Count] = null;
            ExecV((byte*)Own(owned, path), args);
            throw Libc.IoError($"exec {path}", Libc.Errno);
        }
        finally
        {
            foreach (var p in owned)
            {
                Marshal.FreeCoTaskMem(p);
            }
        }
    }

    private static IntPtr Own(List<IntPtr> owned, string s)
    {
        var p = Marshal.StringToCoTaskMemUTF8(s);
        owned.Add(p);
        return p;
    }
}
