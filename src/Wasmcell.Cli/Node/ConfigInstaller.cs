using System.Text;

namespace Wasmcell.Cli.Node;

/// <summary>
/// Applies <see cref="RuntimeHandlerEditor"/> to containerd's config file on disk, once per handler: keeps a
/// timestamped backup of the previous content, writes atomically, and creates a missing file. All handlers
/// are edited in memory first, so a refused one leaves the file as it was and one run makes one backup.
/// </summary>
internal static class ConfigInstaller
{
    /// <summary>Returns true when the file changed.</summary>
    public static bool Install(string configPath, IReadOnlyList<RuntimeHandler> handlers, TextWriter output, DateTimeOffset now)
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
        var results = new List<(RuntimeHandler Handler, HandlerEditResult Result)>();
        foreach (var handler in handlers)
        {
            var result = RuntimeHandlerEditor.AddHandler(configPath, text, handler.Name, handler.RuntimeType);
            results.Add((handler, result));
            text = result.Text;
        }
        foreach (var (handler, result) in results.Where(r => r.Result.Edit == HandlerEdit.AlreadyPresent))
        {
            output.WriteLine($"{configPath}: {result.TableHeader} already has runtime_type = \"{handler.RuntimeType}\"; unchanged");
        }
        var edits = results.Where(r => r.Result.Edit != HandlerEdit.AlreadyPresent).ToList();
        if (edits.Count == 0)
        {
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
        foreach (var note in edits.Select(e => e.Result.Note).OfType<string>())
        {
            output.WriteLine(note);
        }
        AtomicFile.Write(configPath, Encoding.UTF8.GetBytes(text), mode);
        foreach (var (handler, result) in edits)
        {
            var what = result.Edit == HandlerEdit.TableAdded ? "added" : "added runtime_type to the existing";
            output.WriteLine($"{configPath}: {what} {result.TableHeader} runtime_type = \"{handler.RuntimeType}\" (config version {result.ConfigVersion})");
        }
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
