using System.Collections.Concurrent;

namespace Wasmcell.Oci.Tests.Infrastructure;

/// <summary>Passes requests through and records "METHOD path" of each, to assert on the protocol used.</summary>
internal sealed class CountingHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    public ConcurrentQueue<string> Requests { get; } = new();

    public int Count(string method, string pathPart) =>
        Requests.Count(r => r.StartsWith(method + " ", StringComparison.Ordinal) && r.Contains(pathPart, StringComparison.Ordinal));

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests.Enqueue($"{request.Method} {request.RequestUri!.AbsolutePath}");
        return base.SendAsync(request, cancellationToken);
    }
}
