using Tomlyn.Syntax;

namespace Wasmcell.Cli.Node;

/// <summary>
/// The dotted key paths a TOML syntax tree defines, so that a table can be found however the file
/// spells it: a <c>[a.b.c]</c> header, dotted keys (<c>b.c.x = 1</c> under <c>[a]</c>), or inline
/// tables (<c>b = { c = { x = 1 } }</c>). Works on the lossless syntax tree only, never on
/// reflection-based mapping, so the CLI stays NativeAOT-safe.
/// </summary>
internal sealed class TomlKeyIndex
{
    // A segment that can never be a real key: items of [[table arrays]] are indexed under it, so
    // they never match a path we look for.
    private const string ArrayElement = "\u0000[]";

    private readonly List<(string[] Path, KeyValueSyntax Node)> _values = [];
    private readonly List<(string[] Path, TableSyntax Node)> _tables = [];
    private readonly List<string[]> _inlineTables = [];

    private TomlKeyIndex() { }

    public static TomlKeyIndex Build(DocumentSyntax document)
    {
        var index = new TomlKeyIndex();
        foreach (var keyValue in document.KeyValues)
        {
            index.AddKeyValue([], keyValue);
        }
        foreach (var table in document.Tables)
        {
            if (table.Name is null)
            {
                continue;
            }
            var path = KeyParts(table.Name);
            if (table is TableArraySyntax)
            {
                path = [.. path, ArrayElement];
            }
            else if (table is TableSyntax plain)
            {
                index._tables.Add((path, plain));
            }
            foreach (var keyValue in table.Items)
            {
                index.AddKeyValue(path, keyValue);
            }
        }
        return index;
    }

    /// <summary>The key/value whose full path is exactly <paramref name="path"/>, if any.</summary>
    public KeyValueSyntax? FindValue(params string[] path)
    {
        foreach (var (p, node) in _values)
        {
            if (p.AsSpan().SequenceEqual(path))
            {
                return node;
            }
        }
        return null;
    }

    /// <summary>The <c>[header]</c> table whose path is exactly <paramref name="path"/>, if any.</summary>
    public TableSyntax? FindTable(params string[] path)
    {
        foreach (var (p, node) in _tables)
        {
            if (p.AsSpan().SequenceEqual(path))
            {
                return node;
            }
        }
        return null;
    }

    /// <summary>True when anything (a header, a value, a sub-table) lives at or below <paramref name="path"/>.</summary>
    public bool Defines(params string[] path) =>
        _values.Exists(v => StartsWith(v.Path, path)) || _tables.Exists(t => StartsWith(t.Path, path));

    /// <summary>The last (in file order) header table at or below <paramref name="prefix"/>, or null.</summary>
    public TableSyntax? LastTableUnder(params string[] prefix)
    {
        TableSyntax? last = null;
        foreach (var (p, node) in _tables)
        {
            if (StartsWith(p, prefix))
            {
                last = node;
            }
        }
        return last;
    }

    /// <summary>True when <paramref name="path"/> or one of its parents is an inline table, which TOML closes for extension.</summary>
    public bool IsInsideInlineTable(params string[] path) => _inlineTables.Exists(p => StartsWith(path, p));

    public static string[] KeyParts(KeySyntax key)
    {
        var parts = new List<string> { KeyText(key.Key) };
        foreach (var dotted in key.DotKeys)
        {
            parts.Add(KeyText(dotted.Key));
        }
        return [.. parts];
    }

    public static KeySyntax MakeKey(IReadOnlyList<string> parts)
    {
        var key = new KeySyntax(parts[0]);
        for (var i = 1; i < parts.Count; i++)
        {
            key.DotKeys.Add(new DottedKeyItemSyntax(parts[i]));
        }
        return key;
    }

    /// <summary>Renders a path the way a TOML header spells it: <c>plugins."io.containerd.grpc.v1.cri".containerd</c>.</summary>
    public static string Format(IReadOnlyList<string> parts) =>
        string.Join('.', parts.Select(p => BareKeySyntax.IsBareKey(p) ? p : "\"" + p.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\""));

    private void AddKeyValue(string[] prefix, KeyValueSyntax keyValue)
    {
        if (keyValue.Key is null)
        {
            return;
        }
        string[] path = [.. prefix, .. KeyParts(keyValue.Key)];
        _values.Add((path, keyValue));
        if (keyValue.Value is InlineTableSyntax inline)
        {
            _inlineTables.Add(path);
            foreach (var item in inline.Items)
            {
                if (item.KeyValue is { } nested)
                {
                    AddKeyValue(path, nested);
                }
            }
        }
    }

    private static string KeyText(BareKeyOrStringValueSyntax? key) => key switch
    {
        BareKeySyntax bare => bare.Key?.Text ?? "",
        StringValueSyntax quoted => quoted.Value ?? "",
        _ => "",
    };

    private static bool StartsWith(string[] path, string[] prefix) =>
        path.Length >= prefix.Length && path.AsSpan(0, prefix.Length).SequenceEqual(prefix);
}
