using System.Text.RegularExpressions;

namespace Wasmcell.Cli.Node;

/// <summary>
/// <c>wasmcell install</c>: puts the shim on containerd's PATH and registers the CRI runtime
/// handler, then tells the operator how to restart containerd (which reads its config only at start).
/// Both steps are idempotent, so the installer DaemonSet can run it on every pod start.
/// </summary>
internal static partial class NodeInstaller
{
    /// <summary>Returns true when anything changed (and containerd must be restarted).</summary>
    public static bool Run(InstallOptions options, TextWriter output, DateTimeOffset now)
    {
        if (!HandlerName().IsMatch(options.Handler))
        {
            throw new NodeSetupException(
                $"--handler `{options.Handler}` is not usable: a RuntimeClass handler must be a DNS label (lower-case letters, digits, '-', at most 63 characters).");
        }
        // Everything that can be refused is checked before anything is written, so a refusal leaves
        // the node as it was.
        ShimInstaller.Validate(options.ShimPath, options.BinDir);
        var configChanged = ConfigInstaller.Install(options.ContainerdConfigPath, options.Handler, output, now);
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
