using System.Net;
using Wasmcell.Oci.Images;
using Wasmcell.Oci.Registry;
using Wasmcell.Oci.Tests.Infrastructure;

namespace Wasmcell.Oci.Tests;

/// <summary>A real docker-registry with token auth: the client answers the Bearer challenge with a token from the realm.</summary>
public sealed class RegistryTokenAuthTests(TokenRegistryFixture fixture) : IClassFixture<TokenRegistryFixture>
{
    [Fact]
    public async Task Push_and_pull_with_bearer_tokens()
    {
        using var dir = new TempDir();
        var source = OciLayout.Create(dir["src"]);
        var built = ImageBuilder.Build(new ImageBuildOptions { ModulePath = WasmSamples.HelloWasm }, source);
        var reference = ImageReference.Parse($"{fixture.Registry.Host}/tokens/hello:1");
        var options = new RegistryClientOptions { Insecure = true, Credentials = new RegistryCredentials(TokenServer.User, TokenServer.Password) };

        Assert.Equal(built.Digest, await ImagePusher.PushAsync(source, built, reference, options, CancellationToken.None));
        var pulled = await ImagePuller.PullAsync(reference, OciLayout.Create(dir["dst"]), options, CancellationToken.None);

        Assert.Equal(built.Digest, pulled.Digest);
        Assert.Contains(fixture.Tokens.Requests, q => q.Contains("scope=repository%3Atokens%2Fhello%3Apull%2Cpush", StringComparison.Ordinal));
        Assert.Contains(fixture.Tokens.Requests, q => q.Contains("service=" + TokenServer.Service, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Token_service_refusing_the_credentials_is_an_authentication_error()
    {
        using var dir = new TempDir();
        var options = new RegistryClientOptions { Insecure = true, Credentials = new RegistryCredentials(TokenServer.User, "nope") };
        var e = await Assert.ThrowsAsync<RegistryException>(() => ImagePuller.PullAsync(
            ImageReference.Parse($"{fixture.Registry.Host}/tokens/hello:1"), OciLayout.Create(dir["unused"]),
            options, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, e.Status);
    }

    [Fact]
    public async Task Plain_http_token_realm_is_refused_without_insecure()
    {
        // The registry itself is reached through a handler that maps https to http, so only the realm's scheme matters.
        using var handler = new HttpsToHttpHandler();
        using var client = new RegistryClient(fixture.Registry.Host, "tokens/hello", push: false,
            new RegistryClientOptions { Credentials = new RegistryCredentials(TokenServer.User, TokenServer.Password), Handler = handler });
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync("1", CancellationToken.None));
        Assert.Contains("--insecure", e.Message);
    }

    private sealed class HttpsToHttpHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.RequestUri = new UriBuilder(request.RequestUri!) { Scheme = "http" }.Uri;
            return base.SendAsync(request, cancellationToken);
        }
    }
}
