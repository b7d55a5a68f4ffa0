using System.Net;
using System.Text;
using Wasmcell.Oci.Images;
using Wasmcell.Oci.Registry;

namespace Wasmcell.Oci.Tests;

/// <summary>
/// The Bearer-token flow (distribution's token auth spec) against a scripted registry + token service:
/// 401 with a challenge → token fetched from the realm with Basic credentials and the repository scope →
/// the request repeated with the token.
/// </summary>
public sealed class BearerTokenAuthTests
{
    private const string Token = "tok-123";

    [Fact]
    public async Task Client_fetches_a_scoped_token_with_basic_credentials_and_retries()
    {
        using var handler = new ScriptedRegistry();
        using var client = new RegistryClient("reg.test", "team/app", push: true,
            new RegistryClientOptions { Credentials = new RegistryCredentials("alice", "pw"), Handler = handler });

        var manifest = await client.GetManifestAsync("v1", CancellationToken.None);

        Assert.Equal(ScriptedRegistry.ManifestBody, Encoding.UTF8.GetString(manifest.Content));
        Assert.Equal(MediaTypes.OciManifest, manifest.MediaType);
        Assert.Equal(
            [
                "GET https://reg.test/v2/team/app/manifests/v1 auth=",
                "GET https://auth.test/token?service=reg.test&scope=repository%3Ateam%2Fapp%3Apull%2Cpush auth=Basic " + Convert.ToBase64String("alice:pw"u8.ToArray()),
                "GET https://reg.test/v2/team/app/manifests/v1 auth=Bearer " + Token,
            ],
            handler.Log);

        // The token is reused: no second trip to the token service.
        await client.GetManifestAsync("v1", CancellationToken.None);
        Assert.Equal(4, handler.Log.Count);
    }

    [Fact]
    public async Task Refused_token_request_is_an_authentication_error()
    {
        using var handler = new ScriptedRegistry();
        using var client = new RegistryClient("reg.test", "team/app", push: false,
            new RegistryClientOptions { Credentials = new RegistryCredentials("alice", "bad"), Handler = handler });
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync("v1", CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, e.Status);
    }

    private sealed class ScriptedRegistry : HttpMessageHandler
    {
        public const string ManifestBody = """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":2},"layers":[]}""";

        public List<string> Log { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var auth = request.Headers.Authorization;
            Log.Add($"{request.Method} {request.RequestUri!.AbsoluteUri} auth={auth?.Scheme}{(auth is null ? "" : " " + auth.Parameter)}");
            if (request.RequestUri.Host == "auth.test")
            {
                var good = auth?.Scheme == "Basic" && auth.Parameter == Convert.ToBase64String("alice:pw"u8.ToArray());
                return Task.FromResult(good
                    ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent($$"""{"token":"{{Token}}","expires_in":300}""") }
                    : new HttpResponseMessage(HttpStatusCode.Unauthorized));
            }

            if (auth?.Scheme == "Bearer" && auth.Parameter == Token)
            {
                var ok = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(ManifestBody) };
                ok.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(MediaTypes.OciManifest);
                return Task.FromResult(ok);
            }

            var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized);
            challenge.Headers.WwwAuthenticate.ParseAdd("""Bearer realm="https://auth.test/token",service="reg.test" """.Trim());
            return Task.FromResult(challenge);
        }
    }
}
