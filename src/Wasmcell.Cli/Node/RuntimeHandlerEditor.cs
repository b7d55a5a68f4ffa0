using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace Wasmcell.Cli.Node;

/// <summary>What <see cref="RuntimeHandlerEditor"/> did to a config text.</summary>
internal enum HandlerEdit
{
    /// <summary>The handler already had our runtime_type; the text is returned byte for byte.</summary>
    AlreadyPresent,
    /// <summary>A new <c>[...runtimes.&lt;handler&gt;]</c> table was added.</summary>
    TableAdded,
    /// <summary>The handler's existing header table got the missing runtime_type key.</summary>
    KeyAdded,
}

internal sealed record HandlerEditResult(HandlerEdit Edit, string Text, int ConfigVersion, string TableHeader, string? Note);

/// <summary>
/// Adds a CRI runtime handler for the Wasm shim to a containerd config text, preserving every
/// other byte (comments, layout, other keys of an existing handler table). Idempotent: a config
/// that already has the handler with the wanted runtime_type comes back unchanged. The runtime_type
/// is a parameter because one launcher serves two: <see cref="ContainerdConfig.WasmRuntimeType"/> and,
/// for shared mode, <see cref="ContainerdConfig.WasmSharedRuntimeType"/>.
/// </summary>
internal static class RuntimeHandlerEditor
{
    public static HandlerEditResult AddHandler(string path, string text, string handler, string runtimeType = ContainerdConfig.WasmRuntimeType)
    {
        string? note = null;
        // A missing newline at EOF would glue an appended table onto the last line; adding one
        // changes no TOML value.
        var source = text.Length == 0 || text.EndsWith('\n') ? text : text + "\n";
        var config = ContainerdConfig.Parse(path, source);
        if (config.Version is null && config.IsVersionNeutral)
        {
            // Nothing in the file depends on the version (empty, comments, or only top-level
            // settings such as root/state), so declaring version 2 changes nothing else. Version 2
            // is read by containerd 1.6, 1.7 and 2.x (2.x migrates it in memory).
            config = ContainerdConfig.Parse(path, "version = 2\n" + source);
            note = $"{path} had no `version`; wrote `version = 2` (read by containerd 1.6, 1.7 and 2.x).";
        }

        // HandlerPath refuses version 1 and unknown versions with an explanation.
        var handlerPath = config.HandlerPath(handler);
        var version = config.Version!.Value;
        var header = "[" + TomlKeyIndex.Format(handlerPath) + "]";
        var existing = config.Index.FindValue([.. handlerPath, "runtime_type"]);
        if (existing is not null)
        {
            var value = (existing.Value as StringValueSyntax)?.Value;
            if (value == runtimeType)
            {
                return new HandlerEditResult(HandlerEdit.AlreadyPresent, text, version, header, null);
            }
            throw new NodeSetupException(
                $"{path}: the runtime handler `{handler}` already exists with runtime_type = {existing.Value?.ToString().Trim()}, "
                + $"not \"{runtimeType}\". Left untouched: pick another name with --handler (and use it in the "
                + "RuntimeClass's `handler`), or change that table by hand.");
        }
        if (config.Index.IsInsideInlineTable(handlerPath))
        {
            throw Unplaceable(path, header, runtimeType, "its parent is an inline table ({ ... }), which TOML does not allow to extend");
        }

        HandlerEdit edit;
        if (config.Index.FindTable(handlerPath) is { } table)
        {
            // The handler table exists (e.g. with runtime_path or options) but lacks runtime_type:
            // add the key and keep everything else in it.
            var lastBefore = LastToken(table);
            var indent = IndentOfLastItem(table);
            table.Items.Add("runtime_type", runtimeType);
            if (indent is not null)
            {
                table.Items.GetChild(table.Items.ChildrenCount - 1)!.AddLeadingTrivia(new SyntaxTrivia(TokenKind.Whitespaces, indent));
            }
            MoveTrailingTrivia(lastBefore, LastToken(table));
            edit = HandlerEdit.KeyAdded;
        }
        else
        {
            InsertTable(config, handlerPath, runtimeType);
            edit = HandlerEdit.TableAdded;
        }
        var result = config.Document.ToString();
        // Re-parse with validation: catches what the tree edit cannot see, such as a handler table
        // that dotted keys elsewhere already defined (TOML forbids defining a table twice).
        var check = SyntaxParser.Parse(result, path, true);
        if (check.HasErrors)
        {
            throw Unplaceable(path, header, runtimeType, string.Join("; ", check.Diagnostics.Where(d => d.Kind == DiagnosticMessageKind.Error).Take(3)));
        }
        var verified = ContainerdConfig.Parse(path, result);
        if (verified.RuntimeTypeOf(handler) != runtimeType)
        {
            throw Unplaceable(path, header, runtimeType, "the edited file did not read back with the handler");
        }
        return new HandlerEditResult(edit, result, version, header, note);
    }

    /// <summary>The lines an operator would add by hand for <paramref name="handler"/> in a config of <paramref name="version"/>.</summary>
    public static string Snippet(int version, string handler, string runtimeType = ContainerdConfig.WasmRuntimeType)
    {
        var plugin = version == 3 ? ContainerdConfig.CriPluginV3 : ContainerdConfig.CriPluginV2;
        return $"[{TomlKeyIndex.Format(["plugins", plugin, "containerd", "runtimes", handler])}]\n  runtime_type = \"{runtimeType}\"\n";
    }

    private static void InsertTable(ContainerdConfig config, string[] handlerPath, string runtimeType)
    {
        var table = new TableSyntax(TomlKeyIndex.MakeKey(handlerPath));
        table.AddLeadingTriviaNewLine();
        table.AddLeadingComment($"Wasm runtime handler ({ContainerdConfig.ShimBinaryOf(runtimeType)}), added by wasmcell install");
        table.AddLeadingTriviaNewLine();
        table.Items.Add("runtime_type", runtimeType);

        // Keep the CRI plugin's tables together: insert after the last table of the plugin (usually
        // the runc handler and its options); a file without one gets the table at its end.
        var tables = config.Document.Tables;
        var anchor = config.Index.LastTableUnder(handlerPath[..2]);
        if (anchor is null)
        {
            tables.Add(table);
            return;
        }
        MoveTrailingTrivia(LastToken(anchor), LastToken(table), separate: true);
        var all = new List<TableSyntaxBase>();
        while (tables.ChildrenCount > 0)
        {
            all.Add(tables.GetChild(0)!);
            tables.RemoveChildAt(0);
        }
        foreach (var existing in all)
        {
            tables.Add(existing);
            if (ReferenceEquals(existing, anchor))
            {
                tables.Add(table);
            }
        }
    }

    private static SyntaxToken LastToken(SyntaxNode node) => node.Tokens(false).OfType<SyntaxToken>().Last();

    // The parser hangs what precedes the next table header (blank lines, its comment, its indentation)
    // on the last token before it. Text inserted after that token would separate the header from
    // them, so they move to the end of the inserted text.
    private static void MoveTrailingTrivia(SyntaxToken from, SyntaxToken to, bool separate = false)
    {
        if (from.TrailingTrivia is not { Count: > 0 } trivia || ReferenceEquals(from, to))
        {
            return;
        }
        from.TrailingTrivia = null;
        if (separate && trivia[0].Kind != TokenKind.NewLine)
        {
            // A blank line between the inserted table and the next one, unless one is there already.
            trivia.Insert(0, new SyntaxTrivia(TokenKind.NewLine, "\n"));
        }
        to.TrailingTrivia = trivia;
    }

    // The indentation of the table's last key, which the parser keeps as trailing whitespace of the
    // token before it; an added key gets the same so the table keeps its shape.
    private static string? IndentOfLastItem(TableSyntaxBase table)
    {
        if (table.Items.ChildrenCount == 0)
        {
            return null;
        }
        var tokens = table.Tokens(false).OfType<SyntaxToken>().ToList();
        var first = table.Items.GetChild(table.Items.ChildrenCount - 1)!.Tokens(false).OfType<SyntaxToken>().First();
        var at = tokens.IndexOf(first);
        var trivia = at > 0 ? tokens[at - 1].TrailingTrivia : null;
        return trivia is { Count: > 0 } && trivia[^1].Kind == TokenKind.Whitespaces ? trivia[^1].Text : null;
    }

    private static NodeSetupException Unplaceable(string path, string header, string runtimeType, string why) => new(
        $"{path}: cannot add {header} without restructuring the file ({why}). Left untouched: add the handler by hand:\n"
        + $"{header}\n  runtime_type = \"{runtimeType}\"");
}
