using System.Text;

namespace Wasmcell.Testing;

/// <summary>What a finished (or killed) command left: exit code and both output streams.</summary>
public sealed record CommandResult(string CommandLine, int ExitCode, byte[] StdoutBytes, string Stderr, bool TimedOut)
{
    public string Stdout => Encoding.UTF8.GetString(StdoutBytes);

    /// <summary>A failure message with everything needed to see why, output cut to a readable size.</summary>
    public string Describe() =>
        $"`{CommandLine}` exited {ExitCode}{(TimedOut ? " (KILLED: timed out)" : "")}\n--- stdout:\n{Cut(Stdout)}\n--- stderr:\n{Cut(Stderr)}";

    public override string ToString() => Describe();

    private static string Cut(string text) => text.Length <= 4000 ? text : text[..2000] + "\n[...]\n" + text[^2000..];
}
