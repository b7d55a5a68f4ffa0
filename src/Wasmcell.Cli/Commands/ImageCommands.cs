using System.CommandLine;

namespace Wasmcell.Cli.Commands;

// Placeholder: replaced by the command's real implementation.
internal static class ImageCommands
{
    public static Command CreateBuild() => new("build", "(not yet available)");
    public static Command CreatePush() => new("push", "(not yet available)");
    public static Command CreatePull() => new("pull", "(not yet available)");
}
