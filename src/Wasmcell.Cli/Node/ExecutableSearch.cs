namespace Wasmcell.Cli.Node;

/// <summary>Finds executables the way containerd does (a list of directories, first hit wins).</summary>
internal static class ExecutableSearch
{
    // systemd's default PATH: what containerd's unit sees even when the operator's shell PATH differs.
    public const string ServicePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public static IReadOnlyList<string> Directories(string? searchPath) =>
        (searchPath + ":" + ServicePath).Split(':', StringSplitOptions.RemoveEmptyEntries).Distinct().ToArray();

    public static string? Find(string name, IEnumerable<string> directories)
    {
        foreach (var directory in directories)
        {
            var candidate = Path.Combine(directory, name);
            if (IsExecutable(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    public static bool IsExecutable(string path)
    {
        // File.Exists sees a dangling symlink itself and says true; exec(2) fails on it, and so would reading its mode.
        var info = new FileInfo(path);
        if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is not { Exists: true })
        {
            return false;
        }
        return File.Exists(path) && (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
    }
}
