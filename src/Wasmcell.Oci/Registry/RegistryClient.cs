using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Wasmcell.Oci.Images;

namespace Wasmcell.Oci.Registry;

/// <summary>A manifest as a registry served it: its bytes, media type and digest.</summary>
public sealed record RegistryManifest(string MediaType, byte[] Content, string Digest);

/// <summary>
/// An OCI distribution API client for one repository on one registry
/// (https://github.com/opencontainers/distribution-spec/blob/main/spec.md): blob HEAD/GET, monolithic
/// (POST + PUT) and chunked (POST + PATCH… + PUT) uploads, manifest GET/PUT. Authenticates on the
/// first 401 by its <c>WWW-Authenticate</c> challenge: Basic with the credentials, or Bearer with a
/// token fetched from the challenge's realm for this repository's scope.
/// </summary>
public sealed class RegistryClient : IDisposable
{
    private static readonly string[] ManifestAcceptTypes =
        [MediaTypes.OciManifest, MediaTypes.OciIndex, MediaTypes.DockerManifest, MediaTypes.DockerManifestList];

    private readonly HttpClient _http;
    private readonly Uri _base;
    private readonly string _repository;
    private readonly string _scope;
    private readonly RegistryClientOptions _options;
    private AuthenticationHeaderValue? _authorization;

    /// <param name="registry">host[:port] of the registry API.</param>
    /// <param name="repository">Repository name, e.g. <c>library/hello</c>.</param>
    /// <param name="push">Ask for push access too (the token scope is <c>pull,push</c>).</param>
    public RegistryClient(string registry, string repository, bool push, RegistryClientOptions options)
    {
        _options = options;
        _repository = repository;
        _scope = $"repository:{repository}:" + (push ? "pull,push" : "pull");
        _base = new Uri((options.Insecure ? "http://" : "https://") + registry + "/");
        _http = options.Handler is null ? new HttpClient() : new HttpClient(options.Handler, disposeHandler: false);
        _http.Timeout = TimeSpan.FromMinutes(30); // large layers on slow links; callers cancel with their token
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("wasmcell", "1.0"));
    }

    public static RegistryClient For(ImageReference reference, bool push, RegistryClientOptions options) =>
        new(reference.ApiHost, reference.Repository, push, options);

    public void Dispose() => _http.Dispose();

    public async Task<bool> BlobExistsAsync(string digest, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Head, BlobUri(digest)), cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(response, "HEAD blob " + digest);
        return true;
    }

    /// <summary>Uploads a blob, in one PUT up to <see cref="RegistryClientOptions.ChunkSize"/> and in PATCH chunks beyond.</summary>
    /// <param name="blob">What is uploaded (digest and size are checked by the registry).</param>
    /// <param name="open">Opens the content; may be called again when a request must be retried after a 401.</param>
    public Task UploadBlobAsync(Descriptor blob, Func<Stream> open, CancellationToken cancellationToken) =>
        blob.Size > _options.ChunkSize
            ? UploadBlobChunkedAsync(blob, open, cancellationToken)
            : UploadBlobMonolithicAsync(blob, open, cancellationToken);

    public async Task UploadBlobMonolithicAsync(Descriptor blob, Func<Stream> open, CancellationToken cancellationToken)
    {
        var location = await StartUploadAsync(cancellationToken);
        using var response = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Put, WithDigest(location, blob.Digest))
            {
                Content = OctetStream(new StreamContent(new ProgressStream(open(), blob.Digest, blob.Size, _options.Progress)), blob.Size),
            },
            cancellationToken);
        await EnsureSuccessAsync(response, "PUT blob " + blob.Digest);
    }

    public async Task UploadBlobChunkedAsync(Descriptor blob, Func<Stream> open, CancellationToken cancellationToken)
    {
        var location = await StartUploadAsync(cancellationToken);
        var buffer = new byte[Math.Min(_options.ChunkSize, Math.Max(blob.Size, 1))];
        long offset = 0;
        await using (var content = open())
        {
            while (true)
            {
                var length = await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
                if (length == 0)
                {
                    break;
                }

                var start = offset;
                var chunkLocation = location;
                using var response = await SendAsync(
                    () =>
                    {
                        var chunk = OctetStream(new ByteArrayContent(buffer, 0, length), length);
                        chunk.Headers.TryAddWithoutValidation("Content-Range", $"{start}-{start + length - 1}");
                        return new HttpRequestMessage(HttpMethod.Patch, chunkLocation) { Content = chunk };
                    },
                    cancellationToken);
                await EnsureSuccessAsync(response, $"PATCH blob {blob.Digest} bytes {start}-{start + length - 1}");
                location = ResolveLocation(response);
                offset += length;
                _options.Progress?.Report(new TransferProgress(blob.Digest, offset, blob.Size));
            }
        }

        if (offset != blob.Size)
        {
            throw new InvalidDataException($"blob {blob.Digest}: read {offset} bytes, the descriptor says {blob.Size}");
        }

        using var done = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Put, WithDigest(location, blob.Digest)) { Content = OctetStream(new ByteArrayContent([]), 0) },
            cancellationToken);
        await EnsureSuccessAsync(done, "PUT (close upload) blob " + blob.Digest);
    }

    /// <summary>Streams a blob to <paramref name="consume"/>; the caller verifies the digest of what it stored.</summary>
    public async Task DownloadBlobAsync(Descriptor blob, Func<Stream, Task> consume, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, BlobUri(blob.Digest)), cancellationToken);
        await EnsureSuccessAsync(response, "GET blob " + blob.Digest);
        await using var stream = new ProgressStream(await response.Content.ReadAsStreamAsync(cancellationToken), blob.Digest, blob.Size, _options.Progress);
        await consume(stream);
    }

    /// <summary>PUTs a manifest under a tag (or digest) and returns the digest the registry reports.</summary>
    public async Task<string> PutManifestAsync(string reference, string mediaType, byte[] content, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(
            () =>
            {
                var body = new ByteArrayContent(content);
                body.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
                return new HttpRequestMessage(HttpMethod.Put, ManifestUri(reference)) { Content = body };
            },
            cancellationToken);
        await EnsureSuccessAsync(response, "PUT manifest " + reference);
        var digest = Digests.Of(content);
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && values.FirstOrDefault() is { } reported && reported != digest)
        {
            throw new RegistryException($"the registry stored the manifest as {reported}, but its bytes hash to {digest}");
        }

        return digest;
    }

    public async Task<RegistryManifest> GetManifestAsync(string reference, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(
            () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, ManifestUri(reference));
                foreach (var type in ManifestAcceptTypes)
                {
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
                }

                return request;
            },
            cancellationToken);
        await EnsureSuccessAsync(response, "GET manifest " + reference);
        var content = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var digest = Digests.Of(content);
        if (Digests.IsValid(reference) && reference != digest)
        {
            throw new RegistryException($"manifest {reference}: the registry served bytes that hash to {digest}");
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (string.IsNullOrEmpty(mediaType) || mediaType == "application/json")
        {
            mediaType = JsonSerializer.Deserialize(content, ImageJsonContext.Default.MediaTypeProbe)?.MediaType
                        ?? MediaTypes.OciManifest;
        }

        return new RegistryManifest(mediaType, content, digest);
    }

    private Uri BlobUri(string digest) => new(_base, $"v2/{_repository}/blobs/{Digests.Sha256Prefix}{Digests.Hex(digest)}");

    private Uri ManifestUri(string reference) => new(_base, $"v2/{_repository}/manifests/{Uri.EscapeDataString(reference)}");

    private async Task<Uri> StartUploadAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Post, new Uri(_base, $"v2/{_repository}/blobs/uploads/")) { Content = new ByteArrayContent([]) },
            cancellationToken);
        await EnsureSuccessAsync(response, "POST blob upload");
        return ResolveLocation(response);
    }

    private Uri ResolveLocation(HttpResponseMessage response)
    {
        var location = response.Headers.Location
                       ?? throw new RegistryException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: no Location header in the answer");
        return location.IsAbsoluteUri ? location : new Uri(_base, location);
    }

    private static Uri WithDigest(Uri location, string digest)
    {
        var builder = new UriBuilder(location);
        var query = builder.Query.TrimStart('?');
        builder.Query = (query.Length == 0 ? string.Empty : query + "&") + "digest=" + Uri.EscapeDataString(digest);
        return builder.Uri;
    }

    private static HttpContent OctetStream(HttpContent content, long length)
    {
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.ContentLength = length;
        return content;
    }

    /// <summary>Sends, and on a 401 answers the challenge once and resends a fresh request.</summary>
    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, CancellationToken cancellationToken)
    {
        var response = await SendOnceAsync(create(), cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        var challenges = response.Headers.WwwAuthenticate.Select(h => AuthChallenge.Parse(h.Scheme + " " + h.Parameter)).OfType<AuthChallenge>().ToList();
        response.Dispose();
        var challenge = challenges.FirstOrDefault(c => c.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
                        ?? challenges.FirstOrDefault(c => c.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
                        ?? throw new RegistryException($"{_base}: 401 Unauthorized without a usable WWW-Authenticate challenge", HttpStatusCode.Unauthorized);
        _authorization = await AnswerChallengeAsync(challenge, cancellationToken);

        response = await SendOnceAsync(create(), cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            response.Dispose();
            throw new RegistryException(
                $"{_base}: authentication failed for {_scope}" + (_options.Credentials is null ? " (no credentials: log in, or add them to docker config.json)" : " (check the credentials)"),
                HttpStatusCode.Unauthorized);
        }

        return response;
    }

    private async Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = _authorization;
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        finally
        {
            // The body has been sent (or the request failed): release its file stream now, not at GC.
            request.Content?.Dispose();
        }
    }

    private async Task<AuthenticationHeaderValue> AnswerChallengeAsync(AuthChallenge challenge, CancellationToken cancellationToken)
    {
        var credentials = _options.Credentials;
        if (challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            return credentials is null
                ? throw new RegistryException($"{_base} asks for a login (Basic) and no credentials were found", HttpStatusCode.Unauthorized)
                : new AuthenticationHeaderValue("Basic", credentials.ToBasicParameter());
        }

        if (challenge.Realm is not { } realm || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUri))
        {
            throw new RegistryException($"{_base}: Bearer challenge without a valid realm");
        }

        if (realmUri.Scheme == Uri.UriSchemeHttp && !_options.Insecure)
        {
            throw new RegistryException($"{_base}: the token service {realm} is plain HTTP; use --insecure to allow it");
        }

        var query = new List<string>();
        if (challenge.Parameters.GetValueOrDefault("service") is { } service)
        {
            query.Add("service=" + Uri.EscapeDataString(service));
        }

        // Our scope, plus the one the challenge names if it differs (the token then covers both).
        query.Add("scope=" + Uri.EscapeDataString(_scope));
        if (challenge.Parameters.GetValueOrDefault("scope") is { } asked && asked != _scope)
        {
            query.Add("scope=" + Uri.EscapeDataString(asked));
        }

        var builder = new UriBuilder(realmUri);
        var existing = builder.Query.TrimStart('?');
        builder.Query = (existing.Length == 0 ? string.Empty : existing + "&") + string.Join('&', query);
        using var request = new HttpRequestMessage(HttpMethod.Get, builder.Uri);
        if (credentials is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", credentials.ToBasicParameter());
        }

        using var response = await _http.SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, "GET token from " + realmUri.GetLeftPart(UriPartial.Path));
        var token = JsonSerializer.Deserialize(await response.Content.ReadAsByteArrayAsync(cancellationToken), RegistryJsonContext.Default.TokenResponse);
        var value = token?.Token is { Length: > 0 } t ? t : token?.AccessToken;
        return string.IsNullOrEmpty(value)
            ? throw new RegistryException($"the token service {realm} answered without a token")
            : new AuthenticationHeaderValue("Bearer", value);
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = response.Content is null ? string.Empty : await response.Content.ReadAsStringAsync();
        if (body.Length > 500)
        {
            body = body[..500] + "…";
        }

        throw new RegistryException($"{what}: {(int)response.StatusCode} {response.ReasonPhrase} {body}".TrimEnd(), response.StatusCode);
    }
}
