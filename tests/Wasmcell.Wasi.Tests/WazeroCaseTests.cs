using System.Text;
using Wasmcell.Wasi.Tests.Infrastructure;

namespace Wasmcell.Wasi.Tests;

/// <summary>The wazero-derived programs in ../shared/testdata/wazero (EXPECTED.md there).</summary>
public sealed class WazeroCaseTests
{
    private static string WasiProgram(string toolchain) =>
        TestData.Path($"wazero/imports/wasi_snapshot_preview1/testdata/{toolchain}/wasi.wasm");

    private static GuestResult RunWasi(string toolchain, string root, params string[] args)
    {
        var options = new WasiOptions();
        options.Args.Add("wasi");
        options.Args.AddRange(args);
        options.Preopens.Add(new Preopen(root, "/", ReadOnly: false));
        return GuestRun.Run(WasiProgram(toolchain), options);
    }

    private static TempDir LsFixture()
    {
        var dir = new TempDir();
        File.WriteAllText(dir["-"], "");
        Directory.CreateDirectory(dir["a-"]);
        Directory.CreateDirectory(dir["ab-"]);
        return dir;
    }

    private static string[] Lines(GuestResult r) =>
        (r.Stdout + r.Stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l is not ("./." or "./..")).ToArray();

    [Theory]
    [InlineData("cargo-wasi"), InlineData("tinygo"), InlineData("zig"), InlineData("zig-cc")]
    public void Ls_dot_lists_the_three_entries(string toolchain)
    {
        using var root = LsFixture();
        var r = RunWasi(toolchain, root.Path, "ls", ".");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(new[] { "./-", "./a-", "./ab-" }, Lines(r).Order());
    }

    [Theory]
    [InlineData("cargo-wasi"), InlineData("tinygo"), InlineData("zig"), InlineData("zig-cc")]
    public void Ls_of_an_empty_directory_prints_nothing(string toolchain)
    {
        using var root = LsFixture();
        var r = RunWasi(toolchain, root.Path, "ls", "./a-");
        Assert.Equal(0, r.ExitCode);
        Assert.Empty(Lines(r));
    }

    [Theory]
    [InlineData("cargo-wasi"), InlineData("tinygo"), InlineData("zig"), InlineData("zig-cc")]
    public void Ls_of_a_file_is_enotdir(string toolchain)
    {
        using var root = LsFixture();
        var r = RunWasi(toolchain, root.Path, "ls", "-");
        Assert.Equal("ENOTDIR\n", r.Stdout + r.Stderr);
    }

    // tinygo is left out: its rewind keeps its own readdir cookie (see docs/RATIONALE-wasi.md).
    [Theory]
    [InlineData("cargo-wasi"), InlineData("zig"), InlineData("zig-cc")]
    public void Ls_repeat_rewinds_the_directory(string toolchain)
    {
        using var root = LsFixture();
        var r = RunWasi(toolchain, root.Path, "ls", ".", "repeat");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(new[] { "./-", "./-", "./a-", "./a-", "./ab-", "./ab-" }, Lines(r).Order());
    }

    [Theory]
    [InlineData("cargo-wasi"), InlineData("tinygo"), InlineData("zig"), InlineData("zig-cc")]
    public void Ls_of_a_large_directory_lists_every_entry(string toolchain)
    {
        using var root = new TempDir();
        Directory.CreateDirectory(root["big"]);
        for (int i = 0; i < 8096; i++)
        {
            File.WriteAllText(System.IO.Path.Combine(root["big"], $"file{i}"), "");
        }

        var r = RunWasi(toolchain, root.Path, "ls", "./big");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(8096, Lines(r).Distinct().Count());
    }

    [Theory]
    [InlineData("cargo-wasi"), InlineData("tinygo"), InlineData("zig"), InlineData("zig-cc")]
    public void Stat_reports_no_ttys(string toolchain)
    {
        using var root = LsFixture();
        var r = RunWasi(toolchain, root.Path, "stat");
        Assert.Equal("stdin isatty: false\nstdout isatty: false\nstderr isatty: false\n/ isatty: false\n", r.Stdout + r.Stderr);
    }

    [Fact]
    public void Zig_preopen_lists_stdio_and_preopens_in_order()
    {
        using var root = new TempDir();
        using var tmp = new TempDir();
        var options = new WasiOptions();
        options.Args.AddRange(new[] { "wasi", "preopen" });
        options.Preopens.Add(new Preopen(root.Path, "/", false));
        options.Preopens.Add(new Preopen(tmp.Path, "/tmp", false));
        var r = GuestRun.Run(WasiProgram("zig"), options);
        Assert.Equal("0: stdin\n1: stdout\n2: stderr\n3: /\n4: /tmp\n", r.Stdout + r.Stderr);
    }

    [Fact]
    public void Zig_cc_sleepmillis_sleeps_and_says_ok()
    {
        using var root = LsFixture();
        var r = RunWasi("zig-cc", root.Path, "sleepmillis", "100");
        Assert.Equal("OK\n", r.Stdout + r.Stderr);
    }

    [Theory]
    [InlineData("open-rdonly"), InlineData("open-wronly")]
    public void Zig_cc_open_modes_work(string command)
    {
        using var root = LsFixture();
        var r = RunWasi("zig-cc", root.Path, command);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("OK\n", r.Stdout + r.Stderr);
    }

    [Fact]
    public void Zig_cc_poll_without_input_times_out()
    {
        using var root = LsFixture();
        using var pipe = new HostPipe();
        var options = new WasiOptions { Stdin = pipe.Read };
        options.Args.AddRange(new[] { "wasi", "poll", "0", "500" });
        options.Preopens.Add(new Preopen(root.Path, "/", false));
        var r = GuestRun.Run(WasiProgram("zig-cc"), options);
        Assert.Equal("NOINPUT\n", r.Stdout + r.Stderr);
    }

    [Fact]
    public void Zig_cc_poll_sees_readable_stdin()
    {
        using var root = LsFixture();
        using var pipe = new HostPipe();
        pipe.WriteAll("x"u8);
        var options = new WasiOptions { Stdin = pipe.Read };
        options.Args.AddRange(new[] { "wasi", "poll" });
        options.Preopens.Add(new Preopen(root.Path, "/", false));
        var r = GuestRun.Run(WasiProgram("zig-cc"), options);
        Assert.Equal("STDIN\n", r.Stdout + r.Stderr);
    }

    [Fact]
    public void Args_are_nul_joined()
    {
        var options = new WasiOptions();
        options.Args.AddRange(new[] { "test.wasm", "hello world" });
        var r = GuestRun.Run(TestData.Path("wazero/cmd/wazero/testdata/wasi_arg.wasm"), options);
        Assert.Equal("test.wasm\0hello world\0", r.Stdout);
    }

    [Fact]
    public void Env_holds_only_what_was_given()
    {
        var options = new WasiOptions();
        options.Args.Add("test.wasm");
        options.Env.AddRange(new[] { "ANIMAL=bear", "FOOD=sushi" });
        var r = GuestRun.Run(TestData.Path("wazero/cmd/wazero/testdata/wasi_env.wasm"), options);
        Assert.Equal("ANIMAL=bear\0FOOD=sushi\0", r.Stdout);
    }

    [Theory]
    [InlineData(false), InlineData(true)]
    public void Wasi_fd_reads_bear_txt(bool readOnly)
    {
        var options = new WasiOptions();
        options.Args.Add("test.wasm");
        options.Preopens.Add(new Preopen(TestData.Path("wazero/cmd/wazero/testdata/fs"), "/", readOnly));
        var r = GuestRun.Run(TestData.Path("wazero/cmd/wazero/testdata/wasi_fd.wasm"), options);
        Assert.Equal("pooh\n", r.Stdout);
    }

    [Fact]
    public void Tinygo_cat_reads_from_a_read_only_mount_and_fails_on_a_missing_file()
    {
        var options = new WasiOptions();
        options.Args.AddRange(new[] { "cat", "/animals/bear.txt" });
        options.Preopens.Add(new Preopen(TestData.Path("wazero/cmd/wazero/testdata/fs"), "/animals", ReadOnly: true));
        var r = GuestRun.Run(TestData.Path("wazero/cmd/wazero/testdata/cat/cat-tinygo.wasm"), options);
        Assert.Equal("pooh\n", r.Stdout);
        Assert.Equal(0, r.ExitCode);

        var missing = new WasiOptions();
        missing.Args.AddRange(new[] { "cat", "/animals/nope.txt" });
        missing.Preopens.Add(new Preopen(TestData.Path("wazero/cmd/wazero/testdata/fs"), "/animals", ReadOnly: true));
        Assert.Equal(1, GuestRun.Run(TestData.Path("wazero/cmd/wazero/testdata/cat/cat-tinygo.wasm"), missing).ExitCode);
    }

    [Theory]
    [InlineData("cmd/wazero/testdata/exit_on_start_unstable.wasm")]
    [InlineData("imports/wasi_snapshot_preview1/testdata/exit_on_start.wasm")]
    public void Proc_exit_from_a_module_without_memory_ends_with_its_code(string module)
    {
        var r = GuestRun.Run(TestData.Path("wazero/" + module), new WasiOptions());
        Assert.Null(r.Trap);
        Assert.Equal(2, r.ExitCode);
    }

    [Fact]
    public void Random_get_of_a_thousand_bytes_succeeds()
    {
        var options = new WasiOptions();
        options.Args.Add("test.wasm");
        var r = GuestRun.Run(TestData.Path("wazero/cmd/wazero/testdata/wasi_random_get.wasm"), options);
        Assert.True(r.Trap is null, r.Trap);
        Assert.Equal(0, r.ExitCode);
    }

    [Theory]
    [InlineData("cargo-wasi"), InlineData("tinygo"), InlineData("zig"), InlineData("zig-cc")]
    public void Example_cat_prints_test_txt(string toolchain)
    {
        var options = new WasiOptions();
        options.Args.AddRange(new[] { "cat", "/test.txt" });
        options.Preopens.Add(new Preopen(TestData.Path("wazero/imports/wasi_snapshot_preview1/example/testdata"), "/", ReadOnly: true));
        var r = GuestRun.Run(TestData.Path($"wazero/imports/wasi_snapshot_preview1/example/testdata/{toolchain}/cat.wasm"), options);
        Assert.True(r.ExitCode == 0, r.Stderr + r.Trap);
        Assert.Equal(File.ReadAllText(TestData.Path("wazero/imports/wasi_snapshot_preview1/example/testdata/test.txt")), r.Stdout);
    }
}
