using System.Globalization;

namespace Wasmcell.Testing;

/// <summary>What /proc says about processes: command lines, liveness, open fds, socket listeners.</summary>
public static class HostProcesses
{
    public static string? Cmdline(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').TrimEnd();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static IEnumerable<int> AllPids()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                yield return pid;
            }
        }
    }

    /// <summary>Live (non-zombie) processes whose command line contains <paramref name="text"/>.</summary>
    public static IReadOnlyList<(int Pid, string Cmdline)> Mentioning(string text, params int[] except)
    {
        var self = Environment.ProcessId;
        var found = new List<(int, string)>();
        foreach (var pid in AllPids())
        {
            if (pid == self || except.Contains(pid))
            {
                continue;
            }

            var cmd = Cmdline(pid);
            if (cmd is not null && cmd.Contains(text, StringComparison.Ordinal) && IsAlive(pid))
            {
                found.Add((pid, cmd));
            }
        }
        return found;
    }

    /// <summary>True when the process exists and is not a zombie.</summary>
    /// <summary>The pid is alive and is the containerd serving <paramref name="address"/> (not a reused pid).</summary>
    public static bool IsContainerdServing(int pid, string address) =>
        IsAlive(pid) && Cmdline(pid)?.Contains($"--address {address}", StringComparison.Ordinal) == true;

    public static bool IsAlive(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("State:", StringComparison.Ordinal))
                {
                    return !line.Contains('Z') && !line.Contains('X');
                }
            }
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static int? ParentPid(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("PPid:", StringComparison.Ordinal));
            return line is null ? null : int.Parse(line[5..].Trim(), CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static IReadOnlyList<int> Children(int pid) => AllPids().Where(p => ParentPid(p) == pid).ToList();

    public static long RssKiB(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    /// <summary>The open fds of a process as "fd -> target" lines (for leak messages and counts).</summary>
    public static IReadOnlyList<string> OpenFds(int pid)
    {
        var list = new List<string>();
        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
            {
                string target;
                try
                {
                    target = new FileInfo(fd).LinkTarget ?? "?";
                }
                catch (IOException)
                {
                    continue; // closed while we looked
                }
                list.Add($"{Path.GetFileName(fd)} -> {target}");
            }
        }
        catch (DirectoryNotFoundException)
        {
        }
        return list;
    }

    /// <summary>Pids holding a unix socket bound to <paramref name="socketPath"/> (the shim serving it).</summary>
    public static IReadOnlyList<int> ListenersOn(string socketPath)
    {
        var inodes = new HashSet<string>();
        foreach (var line in File.ReadLines("/proc/net/unix").Skip(1))
        {
            var cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cols.Length >= 8 && cols[7] == socketPath)
            {
                inodes.Add($"socket:[{cols[6]}]");
            }
        }
        if (inodes.Count == 0)
        {
            return [];
        }

        var pids = new List<int>();
        foreach (var pid in AllPids())
        {
            try
            {
                if (Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Any(fd => SafeLinkTarget(fd) is { } t && inodes.Contains(t)))
                {
                    pids.Add(pid);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return pids;
    }

    public static async Task<bool> WaitGoneAsync(int pid, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (IsAlive(pid))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(50);
        }
        return true;
    }

    /// <summary>SIGTERM, then SIGKILL for whatever is still there after <paramref name="grace"/>.</summary>
    public static async Task TerminateAndWaitAsync(IEnumerable<int> pids, TimeSpan grace)
    {
        var list = pids.ToList();
        if (list.Count == 0)
        {
            return;
        }
        await CommandRunner.RunAsync("kill", ["-TERM", .. list.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture))], TimeSpan.FromSeconds(5));
        foreach (var pid in list)
        {
            await WaitGoneAsync(pid, grace);
        }
        await KillAndWaitAsync(list.Where(IsAlive));
    }

    public static async Task KillAndWaitAsync(IEnumerable<int> pids)
    {
        var list = pids.ToList();
        foreach (var pid in list)
        {
            try
            {
                using var p = System.Diagnostics.Process.GetProcessById(pid);
                p.Kill();
            }
            catch (ArgumentException)
            {
            }
            catch (InvalidOperationException)
            {
            }
        }
        foreach (var pid in list)
        {
            await WaitGoneAsync(pid, TimeSpan.FromSeconds(5));
        }
    }

    private static string? SafeLinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
