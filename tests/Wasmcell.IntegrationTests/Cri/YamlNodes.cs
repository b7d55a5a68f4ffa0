using YamlDotNet.RepresentationModel;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>Small accessors over YamlDotNet's representation model (no object mapping, so no reflection).</summary>
internal static class YamlNodes
{
    public static YamlNode? Get(this YamlMappingNode? mapping, string key) =>
        mapping is not null && mapping.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public static YamlMappingNode? Map(this YamlMappingNode? mapping, string key) => mapping.Get(key) as YamlMappingNode;

    public static string? Str(this YamlMappingNode? mapping, string key) => (mapping.Get(key) as YamlScalarNode)?.Value;

    public static bool Bool(this YamlMappingNode? mapping, string key) => mapping.Str(key) is "true" or "True";

    public static long? Long(this YamlMappingNode? mapping, string key) =>
        mapping.Str(key) is { } text ? long.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : null;

    public static IEnumerable<YamlMappingNode> Maps(this YamlMappingNode? mapping, string key) =>
        (mapping.Get(key) as YamlSequenceNode)?.Children.OfType<YamlMappingNode>() ?? [];

    public static IReadOnlyList<string> Strings(this YamlMappingNode? mapping, string key) =>
        (mapping.Get(key) as YamlSequenceNode)?.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? "").ToArray() ?? [];

    public static IReadOnlyDictionary<string, string> StringMap(this YamlMappingNode? mapping, string key) =>
        (mapping.Get(key) as YamlMappingNode)?.Children.ToDictionary(p => ((YamlScalarNode)p.Key).Value!, p => (p.Value as YamlScalarNode)?.Value ?? "")
        ?? new Dictionary<string, string>();

    /// <summary>All documents of a (multi-document) YAML file.</summary>
    public static IReadOnlyList<YamlMappingNode> LoadDocuments(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>().ToArray();
    }
}
