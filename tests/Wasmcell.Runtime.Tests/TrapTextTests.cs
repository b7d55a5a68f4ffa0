using Wasmcell.Runtime;

namespace Wasmcell.Runtime.Tests;

public sealed class TrapTextTests
{
    [Fact]
    public void Cause_comes_first_then_frames()
    {
        const string message = "error while executing at wasm backtrace:\n    0:    0x150 - <unknown>!main\n    1:    0x11e - <unknown>!_start\n\nCaused by:\n    wasm trap: wasm `unreachable` instruction executed";
        var text = CellRunner.TrapText(message);
        Assert.StartsWith("wasm trap: wasm `unreachable` instruction executed", text);
        Assert.Contains("<unknown>!main", text);
    }

    [Fact]
    public void Message_without_cause_is_kept() => Assert.Equal("boom", CellRunner.TrapText(" boom "));
}
