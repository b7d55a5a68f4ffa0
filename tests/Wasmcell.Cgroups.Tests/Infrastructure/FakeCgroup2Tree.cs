namespace Wasmcell.Cgroups.Tests.Infrastructure;

/// <summary>
/// A cgroup v2 hierarchy made of plain files in a temp dir. Unlike cgroupfs it never reacts to writes:
/// tests play the kernel by writing the files it would update (cgroup.events, memory.events, ...).
/// </summary>
internal sealed class FakeCgroup2Tree : IDisposable
{
    public const string Controllers = "cpuset cpu io memory pids";

    public FakeCgroup2Tree()
    {
        Root = Path.Combine(Path.GetTempPath(), "wasmcell-fake-cgroup2-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        File.WriteAllText(Path.Combine(Root, "cgroup.controllers"), Controllers + "\n");
        File.WriteAllText(Path.Combine(Root, "cgroup.subtree_control"), "");
        File.WriteAllText(Path.Combine(Root, "cgroup.procs"), "1\n");
    }

    public string Root { get; }

    public string DirOf(string relative) => Path.Combine(Root, relative.Trim('/'));

    /// <summary>Creates <paramref name="relative"/> with the interface files a v2 leaf with all controllers has.</summary>
    public string Populate(string relative)
    {
        var dir = DirOf(relative);
        Directory.CreateDirectory(dir);
        var files = new Dictionary<string, string>
        {
            ["cgroup.controllers"] = Controllers + "\n",
            ["cgroup.subtree_control"] = "",
            ["cgroup.procs"] = "",
            ["cgroup.freeze"] = "0\n",
            ["cgroup.events"] = "populated 0\nfrozen 0\n",
            ["memory.max"] = "max\n",
            ["memory.swap.max"] = "max\n",
            ["memory.low"] = "0\n",
            ["memory.high"] = "max\n",
            ["memory.current"] = "0\n",
            ["memory.swap.current"] = "0\n",
            ["memory.peak"] = "0\n",
            ["memory.stat"] = "anon 0\nfile 0\ninactive_file 0\n",
            ["memory.events"] = "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n",
            ["cpu.max"] = "max 100000\n",
            ["cpu.weight"] = "100\n",
            ["cpu.stat"] = "usage_usec 0\nuser_usec 0\nsystem_usec 0\n",
            ["pids.max"] = "max\n",
            ["pids.current"] = "0\n",
            ["cpuset.cpus"] = "",
            ["cpuset.mems"] = "",
        };
        foreach (var (name, content) in files)
        {
            File.WriteAllText(Path.Combine(dir, name), content);
        }

        return dir;
    }

    public string Read(string relative, string file) => File.ReadAllText(Path.Combine(DirOf(relative), file));

    public void Write(string relative, string file, string content) => File.WriteAllText(Path.Combine(DirOf(relative), file), content);

    /// <summary>cgroupfs drops a cgroup's interface files on rmdir; a plain dir must be emptied first.</summary>
    public void RemoveInterfaceFiles(string relative)
    {
        foreach (var f in Directory.GetFiles(DirOf(relative)))
        {
            File.Delete(f);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
