using System.Text.Json;

namespace Wasmcell.Shim;

/// <summary>
/// The top-level "annotations" of a bundle's config.json, read with a forward-only reader: `start` needs
/// nothing else (the group), and it runs on every container's critical path.
/// </summary>
public static class SpecAnnotations
{
    /// <summary>The annotations, an empty map when there are none, or null when the file is missing or not JSON.</summary>
    public static Dictionary<string, string>? TryRead(string configPath)
    {
        byte[] json;
        try
        {
            json = File.ReadAllBytes(configPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        try
        {
            return Parse(json);
        }
        catch (JsonException)
        {
            // Create reports a broken config.json with a clear message; grouping falls back to the id.
            return null;
        }
    }

    public static Dictionary<string, string> Parse(ReadOnlySpan<byte> json)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("config.json is not a JSON object");
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isAnnotations = reader.ValueTextEquals("annotations"u8);
            reader.Read();
            if (isAnnotations && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var key = reader.GetString()!;
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        result[key] = reader.GetString()!;
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Skip();
            }
        }
        return result;
    }
}
