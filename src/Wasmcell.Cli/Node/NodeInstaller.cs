using System.Text.RegularExpressions;

namespace Wasmcell.Cli.Node;

/// <summary>
/// <c>wasmcell install</c>: puts the shim on containerd's PATH and registers its two CRI runtime
/// handlers (<c>--handler</c> and, for shared mode, <c>--handler</c>-shared), then tells the operator how to restart containerd (which reads its config only at start).
/// Both steps are idempotent, so the installer DaemonSet can run it on every pod start.
/// </summary>
internal static partial class NodeInstaller
{
    /// <summary>Returns true when anything changed (and containerd must be restarted).</summary>
    public static bool Run(InstallOptions options, TextWriter output, DateTimeOffset now)
    {
        var handlers = RuntimeHandler.For(options.Handler);
        if (handlers.FirstOrDefault(h => !HandlerName().IsMatch(h.Name)) is { } unusable)
        {
            throw new NodeSetupException(
                $"--handler `{options.Handler}` is not usable: `{unusable.Name}` is not a DNS label, and a RuntimeClass handler must be one "
                + $"(lower-case letters, digits, '-', at most 63 characters; the handler for shared mode appends `{RuntimeHandler.SharedSuffix}`).");
        }
        // Everything that can be refused is checked before anything is written, so a refusal leaves
        // the node as it was.
        ShimInstaller.Validate(options.ShimPath, options.BinDir);
        var configChanged = ConfigInstaller.Install(options.ContainerdConfigPath, handlers, output, now);
        var shimChanged = ShimInstaller.Install(options.ShimPath, options.BinDir, output);
        if (configChanged || shimChanged)
        {
            output.WriteLine($"containerd reads its configuration and resolves shims only at start: restart it now with `{RestartCommand()}`.");
            output.WriteLine("Running pods keep running across the restart. Then check the node with `wasmcell doctor`.");
        }
        else
        {
            output.WriteLine("Nothing changed; no restart needed.");
        }
        return configChanged || shimChanged;
    }

    /// <summary>The restart command for this host's service manager.</summary>
    public static string RestartCommand() =>
        Directory.Exists("/run/systemd/system") ? "systemctl restart containerd" : "service containerd restart";

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex HandlerName();
}
