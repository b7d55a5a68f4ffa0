using System.CommandLine;

namespace Wasmcell.Cli.Commands;

// Placeholder: replaced by the command's real implementation.
internal static class RunCommand
{
    public static Command Create() => new("run", "(not yet available)");
}
