using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Wasmcell.Bench.Stress.Containerd.Containers;
using Wasmcell.Bench.Stress.Containerd.Runc;
using Wasmcell.Bench.Stress.Containerd.Snapshots;
using Wasmcell.Bench.Stress.Containerd.Tasks;
using Wasmcell.Protos.Containerd.Content.V1;
using Wasmcell.Protos.Containerd.Images.V1;

namespace Wasmcell.Bench.Stress;

/// <summary>An image as the bench runs it: the snapshot parent (chain ID of its layers) and the process it asks for.</summary>
public sealed record ImageInfo(string Name, string ChainId, IReadOnlyList<string> Args, IReadOnlyList<string> Env, string Cwd);

/// <summary>
/// Driver (a): containerd's gRPC API, as a client such as ctr drives it. Per task: Containers.Create (spec,
/// runtime, snapshot key), Snapshots.Prepare on the image's chain ID, Tasks.Create with the snapshot's mounts,
/// Tasks.Start, Tasks.Wait (exit 0 expected), Tasks.Delete, Containers.Delete, Snapshots.Remove.
/// No stdio is attached (the task's stdin/stdout/stderr are empty).
/// </summary>
public sealed class ContainerdDriver : IDisposable
{
    private const string NamespaceHeader = "containerd-namespace";
    private static readonly JsonDocumentOptions JsonOptions = new();

    private readonly GrpcChannel _channel;
    private readonly Metadata _headers;
    private readonly Containers.ContainersClient _containers;
    private readonly Snapshots.SnapshotsClient _snapshots;
    private readonly Tasks.TasksClient _tasks;
    private readonly string _snapshotter;
    private readonly string _cgroupParent;
    private readonly string? _runcRoot;

    public ContainerdDriver(string socketPath, string ns, string snapshotter, string cgroupParent, string? runcRoot)
    {
        var handler = Wasmcell.Protos.UnixSocketGrpc.Handler(socketPath);
        handler.ConnectTimeout = TimeSpan.FromSeconds(5);
        // M concurrent Waits stay open for a task's lifetime; more connections keep them off each other's stream limit.
        handler.EnableMultipleHttp2Connections = true;
        // http:// is HTTP/2 without TLS, as containerd serves it; the host name is never resolved.
        _channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        _headers = new Metadata { { NamespaceHeader, ns } };
        _containers = new Containers.ContainersClient(_channel);
        _snapshots = new Snapshots.SnapshotsClient(_channel);
        _tasks = new Tasks.TasksClient(_channel);
        _snapshotter = snapshotter;
        _cgroupParent = cgroupParent;
        _runcRoot = runcRoot;
    }

    /// <summary>
    /// Reads the image's manifest (for this platform when the target is an index) and config from the content
    /// store: the chain ID of its diff_ids (the committed snapshot `ctr images import` unpacked) and its process.
    /// </summary>
    public async Task<ImageInfo> ResolveImageAsync(string name, CancellationToken cancel)
    {
        var images = new Images.ImagesClient(_channel);
        var image = (await images.GetAsync(new GetImageRequest { Name = name }, _headers, cancellationToken: cancel)).Image
            ?? throw new InvalidOperationException($"image {name} not found");
        var digest = image.Target.Digest;
        using var top = JsonDocument.Parse(await ReadBlobAsync(digest, cancel), JsonOptions);
        if (top.RootElement.TryGetProperty("manifests", out var manifests))
        {
            digest = PickManifest(manifests) ?? throw new InvalidOperationException($"image {name}: no manifest in its index");
        }
        using var manifest = digest == image.Target.Digest ? null : JsonDocument.Parse(await ReadBlobAsync(digest, cancel), JsonOptions);
        var configDigest = (manifest ?? top).RootElement.GetProperty("config").GetProperty("digest").GetString()!;
        using var config = JsonDocument.Parse(await ReadBlobAsync(configDigest, cancel), JsonOptions);
        var diffIds = config.RootElement.GetProperty("rootfs").GetProperty("diff_ids").EnumerateArray().Select(d => d.GetString()!).ToList();
        var process = config.RootElement.TryGetProperty("config", out var c) ? c : default;
        List<string> args = [.. Strings(process, "Entrypoint"), .. Strings(process, "Cmd")];
        var cwd = process.ValueKind == JsonValueKind.Object && process.TryGetProperty("WorkingDir", out var w) ? w.GetString() ?? "" : "";
        return new ImageInfo(name, ChainId(diffIds), args, Strings(process, "Env"), cwd);
    }

    /// <summary>One container's life, create to removal.</summary>
    public async Task RunOneAsync(Mode mode, ImageInfo image, string id, CancellationToken cancel)
    {
        var options = mode.IsRunc && _runcRoot is not null
            ? new Any { TypeUrl = "containerd.runc.v1.Options", Value = new Options { Root = _runcRoot }.ToByteString() }
            : null;
        var container = new Container
        {
            Id = id,
            Image = image.Name,
            Runtime = new Container.Types.Runtime { Name = mode.Runtime, Options = options },
            Spec = new Any
            {
                TypeUrl = RuntimeSpec.TypeUrl,
                Value = ByteString.CopyFromUtf8(RuntimeSpec.Json(mode, id, "rootfs", image.Args, image.Env, image.Cwd, _cgroupParent)),
            },
            Snapshotter = _snapshotter,
            SnapshotKey = id,
        };
        // The container first: it references the snapshot, so containerd's GC keeps the snapshot from its Prepare on.
        await _containers.CreateAsync(new CreateContainerRequest { Container = container }, _headers, cancellationToken: cancel);
        try
        {
            var prepared = await _snapshots.PrepareAsync(
                new PrepareSnapshotRequest { Snapshotter = _snapshotter, Key = id, Parent = image.ChainId }, _headers, cancellationToken: cancel);
            try
            {
                var create = new CreateTaskRequest { ContainerId = id, Options = options };
                create.Rootfs.AddRange(prepared.Mounts);
                await _tasks.CreateAsync(create, _headers, cancellationToken: cancel);
                try
                {
                    await _tasks.StartAsync(new StartRequest { ContainerId = id }, _headers, cancellationToken: cancel);
                    var exit = await _tasks.WaitAsync(new WaitRequest { ContainerId = id }, _headers, cancellationToken: cancel);
                    if (exit.ExitStatus != 0)
                    {
                        throw new InvalidOperationException($"{id} exited with {exit.ExitStatus}");
                    }
                }
                catch
                {
                    await KillQuietlyAsync(id);
                    throw;
                }
                finally
                {
                    await _tasks.DeleteAsync(new DeleteTaskRequest { ContainerId = id }, _headers, cancellationToken: CancellationToken.None);
                }
            }
            finally
            {
                await _snapshots.RemoveAsync(new RemoveSnapshotRequest { Snapshotter = _snapshotter, Key = id }, _headers);
            }
        }
        finally
        {
            await _containers.DeleteAsync(new DeleteContainerRequest { Id = id }, _headers);
        }
    }

    public void Dispose() => _channel.Dispose();

    /// <summary>The chain ID of an image's layers (OCI image spec): sha256 over "parent child", folded left.</summary>
    public static string ChainId(IReadOnlyList<string> diffIds)
    {
        if (diffIds.Count == 0)
        {
            throw new InvalidOperationException("the image has no layers");
        }
        var chain = diffIds[0];
        foreach (var diff in diffIds.Skip(1))
        {
            chain = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{chain} {diff}")));
        }
        return chain;
    }

    private async Task KillQuietlyAsync(string id)
    {
        try
        {
            await _tasks.KillAsync(new KillRequest { ContainerId = id, Signal = 9, All = true }, _headers);
            await _tasks.WaitAsync(new WaitRequest { ContainerId = id }, _headers, deadline: DateTime.UtcNow.AddSeconds(10));
        }
        catch (RpcException)
        {
            // Already gone, or never started: Delete follows either way.
        }
    }

    private async Task<byte[]> ReadBlobAsync(string digest, CancellationToken cancel)
    {
        var content = new Content.ContentClient(_channel);
        using var call = content.Read(new ReadContentRequest { Digest = digest }, _headers, cancellationToken: cancel);
        using var blob = new MemoryStream();
        await foreach (var chunk in call.ResponseStream.ReadAllAsync(cancel))
        {
            chunk.Data.WriteTo(blob);
        }
        return blob.ToArray();
    }

    /// <summary>The manifest for linux/amd64 (or the only one), from an image index.</summary>
    private static string? PickManifest(JsonElement manifests)
    {
        string? first = null;
        foreach (var m in manifests.EnumerateArray())
        {
            var digest = m.GetProperty("digest").GetString();
            first ??= digest;
            if (m.TryGetProperty("platform", out var p)
                && p.TryGetProperty("os", out var os) && os.GetString() == "linux"
                && p.TryGetProperty("architecture", out var arch) && arch.GetString() == "amd64")
            {
                return digest;
            }
        }
        return first;
    }

    private static List<string> Strings(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? [.. v.EnumerateArray().Select(e => e.GetString() ?? "")]
            : [];
}
