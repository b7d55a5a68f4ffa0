using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using Wasmcell.IntegrationTests.Cri.V1;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>
/// A CRI client over containerd's unix socket, the way kubelet talks to it: gRPC (HTTP/2 without
/// TLS) on <c>unix://&lt;socket&gt;</c>. <see cref="Runtime"/> and <see cref="Images"/> are the
/// generated stubs; the helpers add deadlines and readiness polling.
/// </summary>
internal sealed class CriClient : IDisposable
{
    private readonly GrpcChannel _channel;

    public CriClient(string socketPath)
    {
        SocketPath = socketPath;
        var handler = Wasmcell.Protos.UnixSocketGrpc.Handler(socketPath);
        // CRI streams nothing long-lived here; keep idle connections from piling up across tests.
        handler.PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30);
        _channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = handler,
            // A connect attempt before containerd listens would otherwise back off for seconds
            // (1 s growing by 1.6x; a 5 s stall was observed with the default, test-environment
            // README pitfall 8). Containerd is up ~30 ms after exec, so retry quickly.
            InitialReconnectBackoff = TimeSpan.FromMilliseconds(10),
            MaxReconnectBackoff = TimeSpan.FromMilliseconds(100),
            MaxReceiveMessageSize = 16 * 1024 * 1024,
        });
        Runtime = new RuntimeService.RuntimeServiceClient(_channel);
        Images = new ImageService.ImageServiceClient(_channel);
    }

    public string SocketPath { get; }

    public RuntimeService.RuntimeServiceClient Runtime { get; }

    public ImageService.ImageServiceClient Images { get; }

    /// <summary>Per-call deadline for the helpers: CRI calls here answer within a second; a hung shim must fail the test, not hang it.</summary>
    public static TimeSpan CallTimeout { get; } = TimeSpan.FromSeconds(60);

    public static CallOptions Deadline(TimeSpan? timeout = null) => new(deadline: DateTime.UtcNow + (timeout ?? CallTimeout));

    /// <summary>
    /// Polls <c>Status</c> until the runtime reports RuntimeReady and NetworkReady (as kubelet
    /// does before it schedules pods), or throws with the last answer after <paramref name="timeout"/>.
    /// </summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        string last = "no answer";
        while (true)
        {
            try
            {
                var status = await Runtime.StatusAsync(new StatusRequest(), Deadline(TimeSpan.FromSeconds(2)));
                var conditions = status.Status?.Conditions ?? [];
                if (conditions.Any(c => c.Type == "RuntimeReady" && c.Status) && conditions.Any(c => c.Type == "NetworkReady" && c.Status))
                {
                    return;
                }
                last = string.Join(", ", conditions.Select(c => $"{c.Type}={c.Status} {c.Reason} {c.Message}".Trim()));
            }
            catch (RpcException e)
            {
                last = $"{e.StatusCode}: {e.Status.Detail}";
            }
            if (DateTime.UtcNow >= until)
            {
                throw new TimeoutException($"CRI at {SocketPath} not ready after {timeout.TotalSeconds:0.#} s: {last}");
            }
            await Task.Delay(20);
        }
    }

    public void Dispose() => _channel.Dispose();
}
