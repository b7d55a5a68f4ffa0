using System.Text.Json.Serialization;

namespace Wasmcell.Oci.Registry;

/// <summary>docker's <c>config.json</c>: only the <c>auths</c> map is read.</summary>
internal sealed class DockerConfigFile
{
    [JsonPropertyName("auths")] public Dictionary<string, DockerAuthEntry>? Auths { get; init; }
}

internal sealed class DockerAuthEntry
{
    [JsonPropertyName("auth")] public string? Auth { get; init; }
    [JsonPropertyName("username")] public string? Username { get; init; }
    [JsonPropertyName("password")] public string? Password { get; init; }
    [JsonPropertyName("identitytoken")] public string? IdentityToken { get; init; }
}

/// <summary>The token endpoint's answer (distribution's token spec: <c>token</c>, or OAuth's <c>access_token</c>).</summary>
internal sealed class TokenResponse
{
    [JsonPropertyName("token")] public string? Token { get; init; }
    [JsonPropertyName("access_token")] public string? AccessToken { get; init; }
}

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip)]
[JsonSerializable(typeof(DockerConfigFile))]
[JsonSerializable(typeof(TokenResponse))]
internal sealed partial class RegistryJsonContext : JsonSerializerContext;
