using Containerd.Task.V2;
using Wasmcell.Shim.Containers;

namespace Wasmcell.Shim.Tests.TaskCore;

/// <summary>
/// A temp bundle directory (the container writes its exit and cleaned files there) and containers over
/// fake processes in it: no stdio, no rootfs mount, no cgroup.
/// </summary>
internal sealed class TaskBundle : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("wasmcell-task-");

    public string Path => _dir.FullName;

    public CreateTaskRequest Request(string id = "c1") => new() { Id = id, Bundle = Path };

    public Container NewContainer(FakeTaskProcess process, RecordingEventSink events, string id = "c1") =>
        NewContainer(Request(id), process, events);

    public static Container NewContainer(CreateTaskRequest request, FakeTaskProcess process, RecordingEventSink events) =>
        new(request, process, ContainerStdio.Open("", "", ""), mountedRootfs: false, events, cgroup: null, ShimLog.None, forgetPid: _ => { });

    public void Dispose() => _dir.Delete(recursive: true);
}
