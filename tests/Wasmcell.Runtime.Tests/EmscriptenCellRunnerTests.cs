using System.Text;
using Wasmcell.Runtime;

namespace Wasmcell.Runtime.Tests;

/// <summary>
/// CellRunner's dispatch to the Emscripten host, with minimal Emscripten-shaped modules (an `env.___syscallN` import
/// marks them): main's return value and `_exit` are the exit code, an abort is a trap, and a stop ends a guest
/// without a SIGTERM handler with 143.
/// </summary>
public sealed class EmscriptenCellRunnerTests : IDisposable
{
    private readonly WasmEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    private static string Guest(string body, string imports = "") => $$"""
        (module
          (import "env" "memory" (memory 256 256))
          (import "env" "___syscall20" (func $getpid (param i32 i32) (result i32)))
          {{imports}}
          (global $sp (mut i32) (i32.const 1024))
          (func (export "stackAlloc") (param $n i32) (result i32)
            (local $p i32) (local.set $p (global.get $sp))
            (global.set $sp (i32.add (global.get $sp) (i32.and (i32.add (local.get $n) (i32.const 15)) (i32.const -16))))
            (local.get $p))
          (func (export "_main") (param $argc i32) (param $argv i32) (result i32) {{body}}))
        """;

    private Wasmtime.Module Load(string wat) => ModuleLoader.Load(_engine, "/em.wasm", Encoding.UTF8.GetBytes(wat));

    private static CellSpec Spec() => new() { ModulePath = "/em.wasm", Args = ["em.wasm", "a", "b"] };

    [Fact]
    public void Mains_return_value_is_the_exit_code()
    {
        // argc is 3: the spec's args reach main.
        var outcome = new CellRunner(_engine).Run(Load(Guest("(i32.add (local.get $argc) (i32.const 4))")), Spec());
        Assert.Equal(7, outcome.ExitCode);
        Assert.Null(outcome.TrapMessage);
    }

    [Fact]
    public void Exit_status_is_the_exit_code()
    {
        var outcome = new CellRunner(_engine).Run(Load(Guest(
            "(call $exit (i32.const 42)) (i32.const 0)",
            """(import "env" "_exit" (func $exit (param i32)))""")), Spec());
        Assert.Equal(42, outcome.ExitCode);
    }

    [Fact]
    public void Abort_is_a_trap_with_134()
    {
        var outcome = new CellRunner(_engine).Run(Load(Guest(
            "(call $abort) (i32.const 0)",
            """(import "env" "_abort" (func $abort))""")), Spec());
        Assert.Equal(ExitCodes.Trap, outcome.ExitCode);
        Assert.Contains("abort() called", outcome.TrapMessage);
    }

    [Fact]
    public async Task Stop_ends_a_spinning_guest_without_a_handler_with_143()
    {
        var runner = new CellRunner(_engine);
        var module = Load(Guest("(loop $l (br $l)) (i32.const 0)"));
        var run = Task.Run(() => runner.Run(module, Spec()));
        await Task.Delay(100);
        Assert.False(run.IsCompleted);
        runner.Stop();
        var outcome = await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(ExitCodes.Terminated, outcome.ExitCode);
    }
}
