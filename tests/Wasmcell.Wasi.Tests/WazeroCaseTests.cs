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
    public void LsDotListsTheThreeEntries(string toolchain)
    {
        using var root = LsFixture();
        var r = RunWasi(toolchain, root.Path, "ls", ".");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(new[] { "./-", "./a-", "./ab-" }, Lines(r).Order());
    }

    [Theory]
    [InlineData("cargo-wasi"), InlineData("tinygo"), InlineData("zig"), InlineData("zig-cc")]
    public void LsOfAnEmptyDirectoryPrintsNothing(string toolchain)
    {
        using var root = LsFixture();
        var r = RunWasi(toolchain, root.Path, "ls", "./a-");
        Assert.Equal(0, r.ExitCode);
        Assert.Empty(Lines(r));
    }

    [Theory]
    [InlineData("cargo-wasi"), InlineData("tinygo"), InlineData("zig"), InlineData("zig-cc")]
    public void LsOfAFileIsEnotdir(string toolchain)
    {
        using var root = LsFixture();
        var r = RunWasi(toolchain, root.Path, "ls", "-");
        Assert.Equal("ENOTDIR\n", r.Stdout + r.Stderr);
    }

    // tinygo is left out: its rewind keeps its own readdir cookie (see docs/RATIONALE-wasi.md).
    [Theory]
    [InlineData("cargo-wasi"), InlineData("zig"), InlineData("zig-cc")]
    public void LsRepeatRewindsTheDirectory(string toolchain)
    {
        using var root = LsFixture();
        var r = RunWasi(toolchain, root.Path, "ls", ".", "repeat");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(new[] { "./-", "./-", "./a-", "./a-", "./ab-", "./ab-" }, Lines(r).Order());
    }

    [Theory]
    [InlineData("cargo-wasi"), InlineData("tinygo"), InlineData("zig"), InlineData("zig-cc")]
    public void LsOfALargeDirectoryListsEveryEntry(string toolchain)
    {
        using var root = new TempDir();
        Directory.CreateDirectory(root["big"]);
        for (int i = 0; i < 8096; i++) File.WriteAllText(System.IO.Path.Combine(root["big"], $"file{i}"), "");
        var r = RunWasi(toolchain, root.Path, "ls", "./big");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(8096, Lines(r).Distinct().Count());
    }

    [Theory]
    [InlineData("cargo-wasi"), InlineData("tinygo"), InlineData("zig"), InlineData("zig-cc")]
    public void StatReportsNoTtys(string toolchain)
    {
        using var root = LsFixture();
        var r = RunWasi(toolchain, root.Path, "stat");
        Assert.Equal("stdin isatty: false\nstdout isatty: false\nstderr isatty: false\n/ isatty: false\n", r.Stdout + r.Stderr);
    }

    [Fact]
    public void ZigPreopenListsStdioAndPreopensInOrder()
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
    public void ZigCcSleepmillisSleepsAndSaysOk()
    {
        using var root = LsFixture();
        var r = RunWasi("zig-cc", root.Path, "sleepmillis", "100");
        Assert.Equal("OK\n", r.Stdout + r.Stderr);
    }

    [Theory]
    [InlineData("open-rdonly"), InlineData("open-wronly")]
    public void ZigCcOpenModesWork(string command)
    {
        using var root = LsFixture();
        var r = RunWasi("zig-cc", root.Path, command);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("OK\n", r.Stdout + r.Stderr);
    }

    [Fact]
    public void ZigCcPollWithoutInputTimesOut()
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
    public void ZigCcPollSeesReadableStdin()
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
    public void ArgsAreNulJoined()
    {
        var options = new WasiOptions();
        options.Args.AddRange(new[] { "test.wasm", "hello world" });
        var r = GuestRun.Run(TestData.Path("wazero/cmd/wazero/testdata/wasi_arg.wasm"), options);
        Assert.Equal("test.wasm\0hello world\0", r.Stdout);
    }

    [Fact]
    public void EnvHoldsOnlyWhatWasGiven()
    {
        var options = new WasiOptions();
        options.Args.Add("test.wasm");
        options.Env.AddRange(new[] { "ANIMAL=bear", "FOOD=sushi" });
        var r = GuestRun.Run(TestData.Path("wazero/cmd/wazero/testdata/wasi_env.wasm"), options);
        Assert.Equal("ANIMAL=bear\0FOOD=sushi\0", r.Stdout);
    }

    [Theory]
    [InlineData(false), InlineData(true)]
    public void WasiFdReadsBearTxt(bool readOnly)
    {
        var options = new WasiOptions();
        options.Args.Add("test.wasm");
        options.Preopens.Add(new Preopen(TestData.Path("wazero/cmd/wazero/testdata/fs"), "/", readOnly));
        var r = GuestRun.Run(TestData.Path("wazero/cmd/wazero/testdata/wasi_fd.wasm"), options);
        Assert.Equal("pooh\n", r.Stdout);
    }

    [Fact]
    public void TinygoCatReadsFromAReadOnlyMountAndFailsOnAMissingFile()
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
    public void ProcExitFromAModuleWithoutMemoryEndsWithItsCode(string module)
    {
        var r = GuestRun.Run(TestData.Path("wazero/" + module), new WasiOptions());
        Assert.Null(r.Trap);
        Assert.Equal(2, r.ExitCode);
    }

    [Fact]
    public void RandomGetOfAThousandBytesSucceeds()
    {
        var options = new WasiOptions();
        options.Args.Add("test.wasm");
        var r = GuestRun.Run(TestData.Path("wazero/cmd/wazero/testdata/wasi_random_get.wasm"), options);
        Assert.True(r.Trap is null, r.Trap);
        Assert.Equal(0, r.ExitCode);
    }

    [Theory]
    [InlineData("cargo-wasi"), InlineData("tinygo"), InlineData("zig"), InlineData("zig-cc")]
    public void ExampleCatPrintsTestTxt(string toolchain)
    {
        var options = new WasiOptions();
        options.Args.AddRange(new[] { "cat", "/test.txt" });
        options.Preopens.Add(new Preopen(TestData.Path("wazero/imports/wasi_snapshot_preview1/example/testdata"), "/", ReadOnly: true));
        var r = GuestRun.Run(TestData.Path($"wazero/imports/wasi_snapshot_preview1/example/testdata/{toolchain}/cat.wasm"), options);
        Assert.True(r.ExitCode == 0, r.Stderr + r.Trap);
        Assert.Equal(File.ReadAllText(TestData.Path("wazero/imports/wasi_snapshot_preview1/example/testdata/test.txt")), r.Stdout);
    }
}
