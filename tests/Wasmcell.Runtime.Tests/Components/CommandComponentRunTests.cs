using Microsoft.Win32.SafeHandles;
using Wasmcell.Runtime.Components;
using Wasmcell.Wasi;

namespace Wasmcell.Runtime.Tests.Components;

/// <summary>hello-cli.component.wasm run as a cell runs it: Wasmtime's p2 WASI given only what the spec says.</summary>
public sealed class CommandComponentRunTests : IDisposable
{
    private readonly WasmEngine _engine = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("wasmcell-component-run-").FullName;
    private readonly CommandComponent _hello;

    public CommandComponentRunTests() =>
        _hello = (CommandComponent)ComponentLoader.Load(_engine, "/hello.wasm", File.ReadAllBytes(TestComponents.HelloCli));

    public void Dispose()
    {
        _hello.Dispose();
        _engine.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private sealed record Ran(CellOutcome Outcome, string Stdout, string Stderr);

    private Ran Run(string[] args, bool readOnly = false, long? memoryLimit = null, string stdin = "", CellRunner? runner = null)
    {
        var data = Directory.CreateDirectory(Path.Combine(_dir, "data")).FullName;
        File.WriteAllText(Path.Combine(data, "present.txt"), "x");
        var stdinPath = Path.Combine(_dir, "stdin");
        File.WriteAllText(stdinPath, stdin);
        var stdoutPath = Path.Combine(_dir, $"stdout-{Guid.NewGuid():N}");
        var stderrPath = Path.Combine(_dir, $"stderr-{Guid.NewGuid():N}");
        CellOutcome outcome;
        using (SafeFileHandle input = File.OpenHandle(stdinPath), output = File.OpenHandle(stdoutPath, FileMode.CreateNew, FileAccess.Write),
               error = File.OpenHandle(stderrPath, FileMode.CreateNew, FileAccess.Write))
        {
            var spec = new CellSpec
            {
                ModulePath = "/hello.wasm",
                Args = ["hello.wasm", .. args],
                Env = ["GREETING=hi there", "EMPTY="],
                Preopens = [new Preopen(data, ".", readOnly)],
                Stdin = input,
                Stdout = output,
                Stderr = error,
                MemoryLimitBytes = memoryLimit,
            };
            outcome = (runner ?? new CellRunner(_engine)).Run(_hello, spec);
        }
        return new Ran(outcome, File.ReadAllText(stdoutPath), File.ReadAllText(stderrPath));
    }

    [Fact]
    public void Args_env_preopen_and_stdio_reach_the_guest()
    {
        var ran = Run([], stdin: "a line\n");

        Assert.Equal(0, ran.Outcome.ExitCode);
        Assert.Contains("argv[0]=hello.wasm\n", ran.Stdout);
        Assert.Contains("GREETING=hi there\n", ran.Stdout);
        Assert.Contains("dirent: present.txt\n", ran.Stdout);
        Assert.Contains("stdin: a line\n", ran.Stdout);
        Assert.Equal("to stderr\n", ran.Stderr);
    }

    [Fact]
    public void A_nonzero_exit_is_1_through_the_preview1_adapter()
    {
        var ran = Run(["exit", "7"]);
        Assert.Equal(1, ran.Outcome.ExitCode);
        Assert.Null(ran.Outcome.TrapMessage);
        Assert.Equal(0, Run(["exit", "0"]).Outcome.ExitCode);
    }

    [Fact]
    public void A_read_only_preopen_refuses_writes()
    {
        var ran = Run(["write", "new.txt"], readOnly: true);

        Assert.Equal(1, ran.Outcome.ExitCode);
        Assert.Contains("open new.txt failed: Operation not permitted", ran.Stdout);
        Assert.False(File.Exists(Path.Combine(_dir, "data", "new.txt")));
    }

    [Fact]
    public void A_writable_preopen_takes_writes()
    {
        var ran = Run(["write", "new.txt"]);

        Assert.Equal(0, ran.Outcome.ExitCode);
        Assert.Equal("written by guest\n", File.ReadAllText(Path.Combine(_dir, "data", "new.txt")));
    }

    [Fact]
    public void The_memory_limit_makes_allocation_fail_cleanly()
    {
        var ran = Run(["alloc", "64"], memoryLimit: 16 << 20);

        Assert.Equal(1, ran.Outcome.ExitCode); // hello.c returns 3 when malloc failed: 1 through the adapter
        Assert.Matches(@"allocated 1\d MiB", ran.Stdout);
    }

    [Fact]
    public async Task Stop_ends_a_spinning_component_with_143()
    {
        var runner = new CellRunner(_engine);
        var run = Task.Run(() => Run(["spin"], runner: runner));
        await Task.Delay(300);
        Assert.False(run.IsCompleted);

        runner.Stop();
        var ran = await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(ExitCodes.Terminated, ran.Outcome.ExitCode);
    }

    [Fact]
    public void A_stop_before_the_run_never_starts_the_guest()
    {
        var runner = new CellRunner(_engine);
        runner.Stop();
        var ran = Run([], runner: runner);
        Assert.Equal(ExitCodes.Terminated, ran.Outcome.ExitCode);
        Assert.Equal("", ran.Stdout);
    }

    private CellOutcome RunCommand(string body)
    {
        using var command = (CommandComponent)ComponentLoader.Load(_engine, "/c.wasm", TestComponents.Command(body));
        return new CellRunner(_engine).Run(command, new CellSpec { ModulePath = "/c.wasm", Args = ["c.wasm"] });
    }

    [Fact]
    public void A_trap_is_134_with_the_cause_first_then_the_frames()
    {
        var outcome = RunCommand("unreachable");

        Assert.Equal(ExitCodes.Trap, outcome.ExitCode);
        Assert.StartsWith("wasm trap: wasm `unreachable` instruction executed", outcome.TrapMessage);
        Assert.Contains("\n    0:", outcome.TrapMessage); // the frames follow the cause
    }

    [Fact]
    public void Run_returning_ok_is_0_and_error_is_1()
    {
        Assert.Equal(0, RunCommand("i32.const 0").ExitCode);
        Assert.Equal(1, RunCommand("i32.const 1").ExitCode);
    }
}
