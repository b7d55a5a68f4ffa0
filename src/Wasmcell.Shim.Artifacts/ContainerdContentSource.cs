using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Grpc.Core;
using Grpc.Net.Client;
using Wasmcell.Oci.Images;
using Wasmcell.Protos.Containerd.Containers.V1;
using Wasmcell.Protos.Containerd.Content.V1;
using Wasmcell.Protos.Containerd.Images.V1;
using ContainersClient = Wasmcell.Protos.Containerd.Containers.V1.Containers.ContainersClient;
using ContentClient = Wasmcell.Protos.Containerd.Content.V1.Content.ContentClient;
using ImagesClient = Wasmcell.Protos.Containerd.Images.V1.Images.ImagesClient;

namespace Wasmcell.Shim.Artifacts;

/// <summary>
/// <see cref="IImageContentSource"/> over containerd's gRPC API on its unix socket (the shim's
/// <c>-address</c>), in the container's namespace (containerd reads it from the
/// <c>containerd-namespace</c> header).
/// </summary>
public sealed class ContainerdContentSource : IImageContentSource, IDisposable
{
    private const string NamespaceHeader = "containerd-namespace";

    // Each unary call gets its own bound; the caller's token bounds the whole walk.
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    private readonly GrpcChannel _channel;
    private readonly Metadata _headers;

    public ContainerdContentSource(string socketPath, string ns)
    {
        var handler = Wasmcell.Protos.UnixSocketGrpc.Handler(socketPath);
        handler.ConnectTimeout = TimeSpan.FromSeconds(3);
        // The host name is never resolved (ConnectCallback dials the socket); http:// means HTTP/2 without TLS, as containerd serves it.
        _channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = 16 << 20,
            // Cancellation (Create's overall bound) surfaces as OperationCanceledException, which the fetcher reports as a timeout.
            ThrowOperationCanceledOnCancellation = true,
        });
        _headers = new Metadata { { NamespaceHeader, ns } };
    }

    public async Task<string> GetContainerImageAsync(string containerId, CancellationToken cancel)
    {
        var client = new ContainersClient(_channel);
        var response = await client.GetAsync(new GetContainerRequest { Id = containerId }, Unary(cancel));
        return response.Container?.Image ?? "";
    }

    public async Task<Descriptor> GetImageTargetAsync(string imageName, CancellationToken cancel)
    {
        var client = new ImagesClient(_channel);
        GetImageResponse response;
        try
        {
            response = await client.GetAsync(new GetImageRequest { Name = imageName }, Unary(cancel));
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            throw new InvalidDataException($"containerd has no image named {imageName} ({e.Status.Detail})", e);
        }
        var target = response.Image?.Target ?? throw new InvalidDataException("containerd's image record has no target");
        return new Descriptor { MediaType = target.MediaType, Digest = target.Digest, Size = target.Size };
    }

    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAsync(string digest, [EnumeratorCancellation] CancellationToken cancel)
    {
        var client = new ContentClient(_channel);
        // A stream has no per-call deadline: a large module may take a while; the caller's token bounds it.
        using var call = client.Read(new ReadContentRequest { Digest = digest }, new CallOptions(_headers, cancellationToken: cancel));
        var stream = call.ResponseStream;
        while (true)
        {
            bool more;
            try
            {
                more = await stream.MoveNext(cancel);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                throw new KeyNotFoundException(e.Status.Detail, e);
            }
            if (!more)
            {
                yield break;
            }
            yield return stream.Current.Data.Memory;
        }
    }

    private CallOptions Unary(CancellationToken cancel) =>
        new(_headers, DateTime.UtcNow + CallTimeout, cancel);

    public void Dispose() => _channel.Dispose();
}
