using System.Diagnostics;
using System.Globalization;

namespace Wasmcell.Cgroups.Tests.Infrastructure;

/// <summary>
/// A unique top-level name ("wasmcell-test-&lt;random&gt;") for real v1 cgroups, plus the children a test
/// starts. Dispose kills those children and removes every directory under that name in every hierarchy,
/// so a failing test leaves nothing behind. Needs root.
/// </summary>
internal sealed class V1Scratch : IDisposable
{
    public const string Root = "/sys/fs/cgroup";
    private readonly List<Process> _children = new();

    public V1Scratch()
    {
        Assert.True(Environment.IsPrivilegedProcess, "cgroup v1 tests create real cgroups and need root");
        Name = "wasmcell-test-" + Guid.NewGuid().ToString("N")[..12];
    }

    /// <summary>The top-level directory name, present in every hierarchy the tests touch.</summary>
    public string Name { get; }

    /// <summary>A cgroupsPath below <see cref="Name"/>.</summary>
    public string PathFor(string leaf = "") => leaf.Length == 0 ? "/" + Name : "/" + Name + "/" + leaf;

    /// <summary>The v1 hierarchy mount points of this host (cgroup filesystems under /sys/fs/cgroup).</summary>
    public static IReadOnlyList<string> HierarchyMounts() =>
        File.ReadAllLines("/proc/self/mountinfo")
            .Select(l => l.Split(' '))
            .Where(f => Array.IndexOf(f, "-") is var d && d > 0 && f[d + 1] == "cgroup" && f[4].StartsWith(Root + "/", StringComparison.Ordinal))
            .Select(f => f[4])
            .ToList();

    /// <summary>
    /// Starts <c>sh -c script</c> with stdin/stdout piped. Scripts that begin with <c>read go</c> wait until
    /// <see cref="Release"/>, so they run only once they are in the cgroup under test.
    /// </summary>
    public Process Start(string script)
    {
        var psi = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        var p = Process.Start(psi) ?? throw new InvalidOperationException("sh did not start");
        _children.Add(p);
        return p;
    }

    public static void Release(Process p)
    {
        p.StandardInput.WriteLine("go");
        p.StandardInput.Flush();
    }

    /// <summary>The single-letter state from /proc/&lt;pid&gt;/status ("S", "D", "Z", ...), or null when the pid is gone.</summary>
    public static string? State(int pid)
    {
        try
        {
            var line = File.ReadAllLines($"/proc/{pid}/status").First(l => l.StartsWith("State:", StringComparison.Ordinal));
            return line["State:".Length..].Trim()[..1];
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return null;
        }
    }

    /// <summary>Waits (bounded by <paramref name="limit"/>) until the pid has exited (gone or a zombie).</summary>
    public static bool WaitExited(int pid, TimeSpan limit)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < limit)
        {
            if (State(pid) is null or "Z" or "X")
            {
                return true;
            }

            Thread.Sleep(20);
        }
        return false;
    }

    /// <summary>The cgroup path of <paramref name="pid"/> in the hierarchy carrying <paramref name="controller"/> (from /proc/pid/cgroup).</summary>
    public static string? CgroupOf(int pid, string controller) =>
        File.ReadAllLines($"/proc/{pid}/cgroup")
            .Select(l => l.Split(':', 3))
            .Where(f => f.Length == 3 && f[1].Split(',').Contains(controller))
            .Select(f => f[2])
            .FirstOrDefault();

    public void Dispose()
    {
        var tops = HierarchyMounts().Select(m => Path.Combine(m, Name)).Where(Directory.Exists).ToList();
        // Thaw every level first: a frozen task keeps a SIGKILL pending, and thawing a parent does not thaw
        // a child that was frozen itself.
        foreach (var state in tops.SelectMany(t => Directory.GetFiles(t, "freezer.state", SearchOption.AllDirectories)))
        {
            TryWrite(state, "THAWED");
        }
        var pids = tops
            .SelectMany(t => Directory.GetFiles(t, "cgroup.procs", SearchOption.AllDirectories))
            .SelectMany(File.ReadAllLines)
            .Select(l => int.Parse(l, CultureInfo.InvariantCulture))
            .Concat(_children.Where(c => !HasExited(c)).Select(c => c.Id))
            .Distinct()
            .ToList();
        foreach (var pid in pids)
        {
            try
            {
                using var p = Process.GetProcessById(pid);
                p.Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
            }
        }
        foreach (var pid in pids)
        {
            WaitExited(pid, TimeSpan.FromSeconds(10));
        }

        foreach (var top in tops)
        {
            foreach (var dir in Directory.GetDirectories(top, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length).Append(top))
            {
                for (var i = 0; i < 100 && Directory.Exists(dir); i++)
                {
                    try
                    {
                        Directory.Delete(dir);
                    }
                    catch (IOException)
                    {
                        Thread.Sleep(20);
                    }
                }
            }
        }
        foreach (var p in _children)
        {
            p.Dispose();
        }
    }

    private static bool HasExited(Process p)
    {
        try
        {
            return p.HasExited;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    private static void TryWrite(string path, string value)
    {
        try
        {
            File.WriteAllText(path, value);
        }
        catch (IOException)
        {
        }
    }
}
