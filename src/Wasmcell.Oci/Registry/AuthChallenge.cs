namespace Wasmcell.Oci.Registry;

/// <summary>
/// One <c>WWW-Authenticate</c> challenge (RFC 7235): a scheme and its auth-params, e.g.
/// <c>Bearer realm="https://auth.example/token",service="registry",scope="repository:x:pull,push"</c>.
/// Quoted values may hold commas, so this is a small tokenizer, not a Split.
/// </summary>
public sealed record AuthChallenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    public string? Realm => Parameters.GetValueOrDefault("realm");

    public static AuthChallenge? Parse(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        var text = header.Trim();
        var space = text.IndexOf(' ');
        var scheme = space < 0 ? text : text[..space];
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var pos = space < 0 ? text.Length : space + 1;
        while (pos < text.Length)
        {
            while (pos < text.Length && (text[pos] == ',' || char.IsWhiteSpace(text[pos])))
            {
                pos++;
            }

            var eq = text.IndexOf('=', pos);
            if (eq < 0)
            {
                break;
            }

            var key = text[pos..eq].Trim();
            pos = eq + 1;
            string value;
            if (pos < text.Length && text[pos] == '"')
            {
                var builder = new System.Text.StringBuilder();
                pos++;
                while (pos < text.Length && text[pos] != '"')
                {
                    if (text[pos] == '\\' && pos + 1 < text.Length)
                    {
                        pos++;
                    }

                    builder.Append(text[pos++]);
                }

                pos++; // closing quote
                value = builder.ToString();
            }
            else
            {
                var comma = text.IndexOf(',', pos);
                var end = comma < 0 ? text.Length : comma;
                value = text[pos..end].Trim();
                pos = end;
            }

            parameters[key] = value;
        }

        return new AuthChallenge(scheme, parameters);
    }
}
