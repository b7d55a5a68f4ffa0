using System.Text;

namespace Wasmcell.Cli.Node;

/// <summary>
/// Applies <see cref="RuntimeHandlerEditor"/> to containerd's config file on disk: keeps a
/// timestamped backup of the previous content, writes atomically, and creates a missing file.
/// </summary>
internal static class ConfigInstaller
{
    /// <summary>Returns true when the file changed.</summary>
    public static bool Install(string configPath, string handler, TextWriter output, DateTimeOffset now)
    {
        // A symlinked config (config management often links it) is edited where it lives; renaming
        // over the link would replace it with a regular file.
        if (File.Exists(configPath))
        {
            configPath = new FileInfo(configPath).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? configPath;
        }
        var exists = File.Exists(configPath);
        if (!exists && Directory.Exists(configPath))
        {
            throw new NodeSetupException($"--containerd-config {configPath} is a directory; pass the config file (usually /etc/containerd/config.toml).");
        }
        var text = exists ? File.ReadAllText(configPath) : "";
        var result = RuntimeHandlerEditor.AddHandler(configPath, text, handler);
        if (result.Edit == HandlerEdit.AlreadyPresent)
        {
            output.WriteLine($"{configPath}: {result.TableHeader} already has runtime_type = \"{ContainerdConfig.WasmRuntimeType}\"; unchanged");
            return false;
        }

        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        if (exists)
        {
            mode = File.GetUnixFileMode(configPath);
            var backup = BackupPath(configPath, now);
            File.Copy(configPath, backup);
            File.SetUnixFileMode(backup, mode);
            output.WriteLine($"{configPath}: backup of the previous content in {backup}");
        }
        else
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(configPath))!);
            output.WriteLine($"{configPath}: did not exist; creating it (containerd uses built-in defaults for everything not in it)");
        }
        if (result.Note is not null)
        {
            output.WriteLine(result.Note);
        }
        AtomicFile.Write(configPath, Encoding.UTF8.GetBytes(result.Text), mode);
        var what = result.Edit == HandlerEdit.TableAdded ? "added" : "added runtime_type to the existing";
        output.WriteLine($"{configPath}: {what} {result.TableHeader} runtime_type = \"{ContainerdConfig.WasmRuntimeType}\" (config version {result.ConfigVersion})");
        return true;
    }

    /// <summary><c>config.toml.bak-20261127T054512Z</c>; a counter is appended if that name is taken.</summary>
    public static string BackupPath(string configPath, DateTimeOffset now)
    {
        var stem = $"{configPath}.bak-{now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}";
        var candidate = stem;
        for (var i = 1; File.Exists(candidate); i++)
        {
            candidate = $"{stem}.{i}";
        }
        return candidate;
    }
}
