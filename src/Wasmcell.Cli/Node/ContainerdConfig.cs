using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace Wasmcell.Cli.Node;

/// <summary>
/// containerd's <c>config.toml</c> as a lossless TOML syntax tree plus what we need to know about it:
/// its config version and where the CRI runtime handlers live in that version.
/// </summary>
internal sealed class ContainerdConfig
{
    public const string DefaultPath = "/etc/containerd/config.toml";
    public const string WasmRuntimeType = "io.containerd.wasm.v1";

    /// <summary>Shared mode (issue 13): the same launcher, run under the name <see cref="ShimInstaller.SharedShimFileName"/>.</summary>
    public const string WasmSharedRuntimeType = "io.containerd.wasm-shared.v1";

    // CRI plugin ids that own `containerd.runtimes.<handler>`: 1.6/1.7 (version 2) and 2.x (version 3).
    public const string CriPluginV2 = "io.containerd.grpc.v1.cri";
    public const string CriPluginV3 = "io.containerd.cri.v1.runtime";
    private const string OptPlugin = "io.containerd.internal.v1.opt";

    private ContainerdConfig(string path, DocumentSyntax document, int? version)
    {
        FilePath = path;
        Document = document;
        Index = TomlKeyIndex.Build(document);
        Version = version;
    }

    public string FilePath { get; }
    public DocumentSyntax Document { get; }
    public TomlKeyIndex Index { get; }

    /// <summary>The <c>version</c> key; null when absent, which containerd reads as the old version 1 format.</summary>
    public int? Version { get; }

    /// <summary>Parses <paramref name="text"/>; a broken file is refused with its diagnostics and the file name.</summary>
    public static ContainerdConfig Parse(string path, string text)
    {
        var document = SyntaxParser.Parse(text, path, true);
        if (document.HasErrors)
        {
            var errors = document.Diagnostics.Where(d => d.Kind == DiagnosticMessageKind.Error).Take(5).Select(d => "  " + d);
            throw new NodeSetupException(
                $"{path} is not valid TOML, so it was left untouched. Fix these errors first (containerd would not start with them either):\n"
                + string.Join('\n', errors));
        }
        var index = TomlKeyIndex.Build(document);
        int? version = null;
        if (index.FindValue("version") is { } versionKey)
        {
            if (versionKey.Value is not IntegerValueSyntax integer)
            {
                throw new NodeSetupException($"{path}: `version` must be an integer (2 for containerd 1.6/1.7, 3 for containerd 2.x), found `{versionKey.Value}`.");
            }
            version = (int)integer.Value;
        }
        return new ContainerdConfig(path, document, version);
    }

    /// <summary>The CRI plugin id for this config's version; refuses version 1 and unknown versions with an explanation.</summary>
    public string CriPluginId => Version switch
    {
        2 => CriPluginV2,
        3 => CriPluginV3,
        null => throw new NodeSetupException(
            $"{FilePath} has no `version` key, so containerd reads it as the deprecated version 1 format, where the CRI plugin is "
            + "`[plugins.cri]` and not `[plugins.\"io.containerd.grpc.v1.cri\"]`. Convert it first: `containerd config migrate` (containerd 1.7+/2.x) "
            + "prints the current format; or add `version = 2` and rename the `plugins.cri` tables to `plugins.\"io.containerd.grpc.v1.cri\"`. "
            + "Then run wasmcell install again."),
        _ => throw new NodeSetupException(
            $"{FilePath} has `version = {Version}`; wasmcell knows version 2 (containerd 1.6/1.7) and version 3 (containerd 2.x)."),
    };

    /// <summary>True when the file sets nothing that depends on the config version (no <c>plugins</c> at all).</summary>
    public bool IsVersionNeutral => !Index.Defines("plugins");

    public string[] HandlerPath(string handler) => ["plugins", CriPluginId, "containerd", "runtimes", handler];

    /// <summary>The handler's <c>runtime_type</c> value, or null when the handler is not configured.</summary>
    public string? RuntimeTypeOf(string handler) => StringValue([.. HandlerPath(handler), "runtime_type"]);

    /// <summary>The handler's optional absolute <c>runtime_path</c>.</summary>
    public string? RuntimePathOf(string handler) => StringValue([.. HandlerPath(handler), "runtime_path"]);

    /// <summary>The opt plugin's path (containerd prepends <c>&lt;path&gt;/bin</c> to its PATH); default /opt/containerd.</summary>
    public string OptPath => StringValue("plugins", OptPlugin, "path") ?? "/opt/containerd";

    /// <summary>True when <c>disabled_plugins</c> names the CRI plugin of this version (or its short name "cri").</summary>
    public bool IsCriDisabled()
    {
        if (Index.FindValue("disabled_plugins")?.Value is not ArraySyntax array)
        {
            return false;
        }
        var id = Version == 3 ? CriPluginV3 : CriPluginV2;
        foreach (var item in array.Items)
        {
            if (item.Value is StringValueSyntax s && (s.Value == id || s.Value == "cri"))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The binary containerd execs for a runtime_type, by containerd's rule (shim BinaryName): the last two
    /// dot-separated parts, so <c>io.containerd.wasm-shared.v1</c> is <c>containerd-shim-wasm-shared-v1</c>.
    /// </summary>
    public static string ShimBinaryOf(string runtimeType)
    {
        var parts = runtimeType.Split('.');
        return $"containerd-shim-{parts[^2]}-{parts[^1]}";
    }

    private string? StringValue(params string[] path) => (Index.FindValue(path)?.Value as StringValueSyntax)?.Value;
}
