using System.CommandLine;

namespace Wasmcell.Cli.Commands;

// Placeholder: replaced by the command's real implementation.
internal static class PrecompileCommand
{
    public static Command Create() => new("precompile", "(not yet available)");
}
