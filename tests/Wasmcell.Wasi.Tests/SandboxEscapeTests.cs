using Wasmcell.Wasi.Abi;
using Wasmcell.Wasi.Tests.Infrastructure;

namespace Wasmcell.Wasi.Tests;

/// <summary>
/// tests/wasm-wasi/escape.c tries to leave its preopen every way we know: "..", absolute paths,
/// absolute and relative symlinks, symlink loops, /proc/self/root (as a symlink and as a magic
/// link), hard links, renames. Each attempt must fail with the stated errno, and nothing outside
/// the preopen may be read, created or changed.
/// </summary>
public sealed class SandboxEscapeTests : IDisposable
{
    private readonly TempDir _work = new();
    private string Jail => _work["jail"];

    public SandboxEscapeTests()
    {
        File.WriteAllText(_work["outside.txt"], "secret");
        Directory.CreateDirectory(System.IO.Path.Combine(Jail, "sub"));
        File.WriteAllText(System.IO.Path.Combine(Jail, "inside.txt"), "inside");
        File.CreateSymbolicLink(System.IO.Path.Combine(Jail, "abs"), _work.Path);
        File.CreateSymbolicLink(System.IO.Path.Combine(Jail, "abs_file"), _work["outside.txt"]);
        File.CreateSymbolicLink(System.IO.Path.Combine(Jail, "up"), "..");
        File.CreateSymbolicLink(System.IO.Path.Combine(Jail, "loop1"), "loop2");
        File.CreateSymbolicLink(System.IO.Path.Combine(Jail, "loop2"), "loop1");
        File.CreateSymbolicLink(System.IO.Path.Combine(Jail, "proc_root"), "/proc/self/root");
    }

    public void Dispose() => _work.Dispose();

    private Dictionary<string, Errno> Run(string? mode, Preopen? second)
    {
        var options = new WasiOptions();
        options.Args.Add("escape.wasm");
        if (mode is not null)
        {
            options.Args.Add(mode);
        }

        options.Preopens.Add(new Preopen(Jail, "/jail", ReadOnly: false));
        if (second is not null)
        {
            options.Preopens.Add(second);
        }

        var result = GuestRun.Run(CProgram.Build("escape"), options);
        Assert.True(result.ExitCode == 0, result.Stderr + result.Trap);
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' '))
            .ToDictionary(p => p[0], p => (Errno)ushort.Parse(p[1]));
    }

    [Fact]
    public void Every_escape_fails_with_its_errno_and_touches_nothing_outside()
    {
        var r = Run(null, null);
        var expected = new Dictionary<string, Errno>
        {
            ["dotdot"] = Errno.Perm,
            ["dotdot_deep"] = Errno.Perm,
            ["absolute_path"] = Errno.Perm,
            ["absolute_symlink"] = Errno.Perm,
            ["absolute_symlink_final"] = Errno.Perm,
            ["relative_symlink_up"] = Errno.Perm,
            ["symlink_loop"] = Errno.Loop,
            ["proc_self_root_symlink"] = Errno.Perm,
            ["create_through_symlink"] = Errno.Perm,
            ["stat_through_symlink"] = Errno.Perm,
            ["mkdir_through_symlink"] = Errno.Perm,
            ["unlink_outside"] = Errno.Perm,
            ["rename_outside"] = Errno.Perm,
            ["hardlink_from_outside"] = Errno.Perm,
            ["hardlink_following_symlink"] = Errno.Perm,
            ["symlink_absolute_target"] = Errno.Perm,
            ["utimes_through_symlink"] = Errno.Perm,
            ["inside_still_works"] = Errno.Success,
        };
        Assert.Equal(expected.OrderBy(p => p.Key), r.OrderBy(p => p.Key));

        Assert.Equal("secret", File.ReadAllText(_work["outside.txt"]));
        Assert.Equal(new[] { _work["jail"], _work["outside.txt"] }, Directory.GetFileSystemEntries(_work.Path).Order());
        Assert.False(File.Exists(System.IO.Path.Combine(Jail, "stolen")));
        Assert.False(File.Exists(System.IO.Path.Combine(Jail, "stolen2")));
        Assert.True(File.Exists(System.IO.Path.Combine(Jail, "inside.txt")));
    }

    [Fact]
    public void Trailing_slash_on_a_guest_made_symlink_is_not_followed_out_and_does_not_tell_what_exists()
    {
        Directory.CreateDirectory(_work["outside_dir"]);

        var r = Run("trailing", null);

        Assert.Equal(Errno.Success, r["make_link_to_existing"]);
        Assert.Equal(Errno.Success, r["make_link_to_missing"]);
        Assert.Equal(Errno.Success, r["make_link_inside"]);
        Assert.Equal(Errno.Perm, r["readlink_slash_existing"]);
        Assert.Equal(Errno.Perm, r["readlink_slash_missing"]);
        Assert.Equal(Errno.Inval, r["readlink_slash_inside"]); // a directory, not a symlink, as on Linux
        Assert.Equal(Errno.Success, r["readlink_plain"]);
        Assert.Equal(Errno.Perm, r["link_slash_existing"]);
        Assert.Equal(Errno.Perm, r["link_slash_missing"]);
        Assert.Equal(Errno.Perm, r["link_slash_inside"]); // no hard links to directories
        Assert.Equal(new[] { _work["jail"], _work["outside.txt"], _work["outside_dir"] }, Directory.GetFileSystemEntries(_work.Path).Order());
        Assert.Empty(Directory.GetFileSystemEntries(_work["outside_dir"]));
        Assert.False(System.IO.Path.Exists(System.IO.Path.Combine(Jail, "hard_existing")));
    }

    /// <summary>With /proc/self itself preopened, "root" is a magic link: RESOLVE_NO_MAGICLINKS refuses it.</summary>
    [Fact]
    public void Magic_links_are_not_followed_even_inside_a_preopen()
    {
        var r = Run("proc", new Preopen("/proc/self", "/proc", ReadOnly: true));
        Assert.Equal(Errno.Loop, r["magic_link"]);
    }

    [Fact]
    public void A_read_only_preopen_refuses_every_mutation_with_erofs()
    {
        using var ro = new TempDir();
        File.WriteAllText(ro["inside.txt"], "keep");
        var r = Run("ro", new Preopen(ro.Path, "/ro", ReadOnly: true));
        Assert.Equal(Errno.RoFs, r["ro_open_write"]);
        Assert.Equal(Errno.RoFs, r["ro_create"]);
        Assert.Equal(Errno.RoFs, r["ro_mkdir"]);
        Assert.Equal(Errno.RoFs, r["ro_unlink"]);
        Assert.Equal(Errno.Success, r["ro_read"]);
        Assert.Equal(new[] { ro["inside.txt"] }, Directory.GetFileSystemEntries(ro.Path));
        Assert.Equal("keep", File.ReadAllText(ro["inside.txt"]));
    }
}
