using System.Net.Sockets;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Wasmcell.IntegrationTests.Containerd.Tasks;

namespace Wasmcell.IntegrationTests.Infrastructure;

/// <summary>
/// containerd's Tasks API over its unix socket (gRPC, HTTP/2 without TLS), for what ctr 1.6 cannot do
/// separately: Create a task without starting it, then Start it.
/// </summary>
internal sealed class TasksClient : IDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);
    private readonly GrpcChannel _channel;
    private readonly Tasks.TasksClient _tasks;
    private readonly Metadata _namespace;

    public TasksClient(string socketPath, string ns)
    {
        var handler = Wasmcell.Protos.UnixSocketGrpc.Handler(socketPath);
        _channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = handler });
        _tasks = new Tasks.TasksClient(_channel);
        // containerd takes the namespace from this gRPC header.
        _namespace = new Metadata { { "containerd-namespace", ns } };
    }

    /// <summary>
    /// Creates the task of an existing container with no stdio. For runc, <paramref name="runcRoot"/> becomes
    /// containerd.runc.v1.Options.root (field 7), as `ctr run --runc-root` sends it, so runc's state stays private.
    /// </summary>
    public async Task<uint> CreateAsync(string containerId, string? runcRoot)
    {
        var request = new CreateTaskRequest { ContainerId = containerId };
        if (runcRoot is not null)
        {
            using var encoded = new MemoryStream();
            var output = new CodedOutputStream(encoded);
            output.WriteTag(7, WireFormat.WireType.LengthDelimited);
            output.WriteString(runcRoot);
            output.Flush();
            request.Options = new Any { TypeUrl = "containerd.runc.v1.Options", Value = ByteString.CopyFrom(encoded.ToArray()) };
        }
        var response = await _tasks.CreateAsync(request, _namespace, DateTime.UtcNow + CallTimeout);
        return response.Pid;
    }

    public async Task<uint> StartAsync(string containerId)
    {
        var response = await _tasks.StartAsync(new StartRequest { ContainerId = containerId }, _namespace, DateTime.UtcNow + CallTimeout);
        return response.Pid;
    }

    public void Dispose() => _channel.Dispose();
}
