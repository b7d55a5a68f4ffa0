using System.Collections.Concurrent;
using System.Net.Sockets;
using Containerd.Task.V2;
using Google.Protobuf;
using Wasmcell.Shim.Containers;
using Wasmcell.Ttrpc;

namespace Wasmcell.Shim.Tests.TaskCore;

/// <summary>
/// A <see cref="TaskService"/> served by a real <see cref="TtrpcServer"/> on a unix socket, with a client
/// connected to it. Its containers run fake processes, one per created id, unless a test asks for the real
/// factory (which fails before spawning anything for the requests those tests send).
/// </summary>
internal sealed class TaskServiceHarness : IAsyncDisposable
{
    private const string Service = "containerd.task.v2.Task";
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("wasmcell-ts-");
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly TtrpcServer _server = new();
    private readonly Task _serving;
    private TtrpcClient? _client;

    public TaskServiceHarness(bool realFactory = false)
    {
        var path = Path.Join(_dir.FullName, "s.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(16);
        Bundle = Directory.CreateDirectory(Path.Join(_dir.FullName, "bundle")).FullName;
        Tasks = realFactory
            ? new TaskService(Events, ShimLog.None, "default", _ => { })
            : new TaskService(Events, ShimLog.None, request =>
            {
                var process = Processes.GetOrAdd(request.Id, _ => new FakeTaskProcess());
                return Task.FromResult(TaskBundle.NewContainer(request, process, Events));
            }, _ => { });
        Tasks.Register(_server);
        _serving = _server.ServeAsync(_listener, _stop.Token);
        SocketPath = path;
    }

    public string SocketPath { get; }

    public string Bundle { get; }

    public TaskService Tasks { get; }

    public RecordingEventSink Events { get; } = new();

    /// <summary>The fake process behind each created id.</summary>
    public ConcurrentDictionary<string, FakeTaskProcess> Processes { get; } = new();

    public CreateTaskRequest CreateRequest(string id = "c1") => new() { Id = id, Bundle = Bundle };

    public async Task<T> CallAsync<T>(string method, IMessage request, MessageParser<T> parser, TimeSpan? timeout = null)
        where T : IMessage<T>
    {
        _client ??= await TtrpcClient.ConnectAsync(SocketPath, CancellationToken.None);
        return await _client.CallAsync(Service, method, request, parser, timeout ?? TimeSpan.FromSeconds(10));
    }

    /// <summary>Calls and returns the status code the call failed with.</summary>
    public async Task<StatusCode> FailingCallAsync<T>(string method, IMessage request, MessageParser<T> parser, TimeSpan? timeout = null)
        where T : IMessage<T>
    {
        var e = await Assert.ThrowsAsync<TtrpcException>(() => CallAsync(method, request, parser, timeout));
        return e.Code;
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }
        await _server.DisposeAsync();
        _stop.Cancel();
        await _serving.WaitAsync(TimeSpan.FromSeconds(10));
        _listener.Dispose();
        _dir.Delete(recursive: true);
    }
}
