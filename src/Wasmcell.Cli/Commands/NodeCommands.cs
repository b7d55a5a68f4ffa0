using System.CommandLine;

namespace Wasmcell.Cli.Commands;

// Placeholder: replaced by the command's real implementation.
internal static class NodeCommands
{
    public static Command CreateInstall() => new("install", "(not yet available)");
    public static Command CreateDoctor() => new("doctor", "(not yet available)");
}
