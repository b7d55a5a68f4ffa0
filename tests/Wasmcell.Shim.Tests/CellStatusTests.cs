using Wasmcell.Cell.Protocol;
using Wasmcell.Shim.Processes;

namespace Wasmcell.Shim.Tests;

public sealed class CellStatusTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(143)]
    [InlineData(255)]
    public void Exit_line_round_trips(int code) =>
        Assert.Equal((uint)code, CellStatus.ParseExit(CellStatus.ExitLine(code) + "\n"));

    [Theory]
    [InlineData("EXIT 7", 7u)]
    [InlineData("EXIT 42\n", 42u)]
    public void Parses_exit_lines_with_or_without_newline(string line, uint expected) =>
        Assert.Equal(expected, CellStatus.ParseExit(line));

    [Theory]
    [InlineData("")]
    [InlineData("OK ready in 2.1 ms")]
    [InlineData("ERR bad module")]
    [InlineData("EXIT")]
    [InlineData("EXIT \n")]
    [InlineData("EXIT -1\n")]
    [InlineData("EXIT 256\n")]
    [InlineData("EXIT 1 2\n")]
    [InlineData("EXIT 0x10\n")]
    public void Rejects_anything_else(string line) => Assert.Null(CellStatus.ParseExit(line));
}
