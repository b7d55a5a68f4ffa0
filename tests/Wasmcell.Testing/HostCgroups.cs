namespace Wasmcell.Testing;

/// <summary>
/// cgroupfs (v1 hybrid here, v2 elsewhere): the directories and processes under one of our parents.
/// Directories vanish while we look (runc and the shim remove them concurrently): that is never an error.
/// </summary>
public static class HostCgroups
{
    private const string Root = "/sys/fs/cgroup";

    /// <summary>Every directory named <paramref name="relative"/> (e.g. "wct-ab12/c1") in any hierarchy.</summary>
    public static IReadOnlyList<string> Dirs(string relative)
    {
        relative = relative.Trim('/');
        var found = new List<string>();
        if (Directory.Exists(Path.Combine(Root, relative)) && File.Exists(Path.Combine(Root, "cgroup.controllers")))
        {
            found.Add(Path.Combine(Root, relative)); // cgroup v2 unified
        }

        foreach (var h in SafeSubdirectories(Root, SearchOption.TopDirectoryOnly))
        {
            var d = Path.Combine(h, relative);
            if (Directory.Exists(d))
            {
                found.Add(d);
            }
        }
        return found;
    }

    public static IReadOnlyList<int> Procs(string relative)
    {
        var pids = new HashSet<int>();
        foreach (var d in Dirs(relative))
        {
            foreach (var sub in SafeSubdirectories(d, SearchOption.AllDirectories).Append(d))
            {
                try
                {
                    foreach (var l in File.ReadLines(Path.Combine(sub, "cgroup.procs")))
                    {
                        if (int.TryParse(l, out var pid))
                        {
                            pids.Add(pid);
                        }
                    }
                }
                catch (IOException)
                {
                    // removed meanwhile (DirectoryNotFound/FileNotFound are IOExceptions)
                }
            }
        }
        return pids.ToList();
    }

    /// <summary>Removes the cgroup directories under <paramref name="relative"/>, deepest first.</summary>
    public static IReadOnlyList<string> RemoveTree(string relative)
    {
        var failed = new List<string>();
        foreach (var d in Dirs(relative))
        {
            foreach (var sub in SafeSubdirectories(d, SearchOption.AllDirectories).OrderByDescending(s => s.Length).Append(d))
            {
                try
                {
                    Directory.Delete(sub); // rmdir: cgroupfs directories only look non-empty
                }
                catch (DirectoryNotFoundException)
                {
                }
                catch (IOException e)
                {
                    failed.Add($"{sub}: {e.Message}");
                }
            }
        }
        return failed;
    }

    private static List<string> SafeSubdirectories(string dir, SearchOption option)
    {
        try
        {
            return Directory.EnumerateDirectories(dir, "*", option).ToList();
        }
        catch (IOException)
        {
            return [];
        }
    }
}
